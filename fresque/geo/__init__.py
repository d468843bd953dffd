"""Reference geography of France: régions, départements, EPCI, communes, postal codes."""
