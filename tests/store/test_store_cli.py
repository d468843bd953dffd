"""``fresque workshop …``: prepare an event, list, export, merge (real national data)."""

from __future__ import annotations

import re

from fresque.cli import main
from fresque.io import read_records
from fresque.store import WorkshopService
from fresque.store.db import make_engine


def test_workshop_commands(tmp_path, capsys, monkeypatch):
    url = f"sqlite:///{tmp_path / 'event.db'}"
    monkeypatch.setenv("FRESQUE_DATABASE_URL", url)
    monkeypatch.delenv("FRESQUE_PUBLIC_URL", raising=False)
    assert main(["workshop", "create", "Rencontres ESS Bretagne", "--region", "53"]) == 0
    out = capsys.readouterr().out
    code = re.search(r"participants : ([A-Z0-9]{6})", out).group(1)
    token = re.search(r"l’animation \(à garder pour vous\) : (\S+)", out).group(1)
    assert "région 53" in out
    # Links with the token in the fragment (never sent to a server), and a display-only
    # one for the projector.
    assert (
        f"lien d’animation (secret, à garder pour vous) : http://127.0.0.1:8050/atelier/entrer#t={token}\n"
        in out
    )
    assert f"adresse pour rejoindre : http://127.0.0.1:8050/atelier?code={code}\n" in out
    board = re.search(r"vidéoprojecteur .*: (\S+)", out).group(1)
    assert board.startswith("http://127.0.0.1:8050/atelier/entrer?vue=tableau#t=")
    screen = board.split("#t=", 1)[1]
    assert screen != token and "?t=" not in out

    service = WorkshopService(make_engine(url))
    assert service.me(screen).role.value == "screen"
    alice = service.join(code, "Alice")
    service.add_structure(
        alice,
        {
            "name": "Tiers-lieu des Monts d'Arrée",
            "kind": "support_structure",
            "territory_level": "commune",
            "territory_codes": ["Huelgoat"],
        },
    )
    eco = service.current_ecosystem(token)
    assert "tiers_lieu_des_monts_d_arree" in eco.structures.index
    assert "cress_bre" in eco.structures.index and "cress_nor" not in eco.structures.index

    assert main(["workshop", "list"]) == 0
    listing = capsys.readouterr().out
    assert code in listing and " 1 participant " in listing

    out_file = tmp_path / "atelier.xlsx"
    assert main(["workshop", "export", "--token", token, "--out", str(out_file)]) == 0
    exported = read_records(out_file)
    assert "tiers_lieu_des_monts_d_arree" in exported.structure_ids

    assert main(["workshop", "merge", "--token", token]) == 1  # still open
    assert "closez" in capsys.readouterr().err
    service.moderate(token, [e.seq for e in service.pending(token)], "accepted")
    service.close(token)
    dataset = tmp_path / "ecosystem"
    from fresque.io.tables import write_csv_dir

    write_csv_dir(read_records("data/ecosystem"), dataset)
    monkeypatch.setenv("FRESQUE_WORKSHOP_TOKEN", token)
    assert main(["workshop", "merge", "--into", str(dataset)]) == 0
    preview = capsys.readouterr().out
    assert "+ structure ajoutée : tiers_lieu_des_monts_d_arree" in preview
    assert "rien n’a été écrit" in preview
    assert main(["workshop", "merge", "--into", str(dataset), "--write"]) == 0
    assert "tiers_lieu_des_monts_d_arree" in read_records(dataset).structure_ids
    service.engine.dispose()


def test_a_token_is_never_read_as_an_option(tmp_path, capsys, monkeypatch):
    """A token drawn with a leading « - » would make ``--token TOKEN`` an argparse error:
    tokens are drawn again until they do not start with one."""
    import secrets

    url = f"sqlite:///{tmp_path / 'dash.db'}"
    monkeypatch.setenv("FRESQUE_DATABASE_URL", url)
    draws = iter(["-" + "a" * 31, "b" * 32, "c" * 32, "d" * 32])
    real = secrets.token_urlsafe
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n=None: next(draws, None) or real(n))
    assert main(["workshop", "create", "Tirets", "--base", "vide"]) == 0
    token = re.search(r"l’animation \(à garder pour vous\) : (\S+)", capsys.readouterr().out)
    assert token.group(1) == "b" * 32
    out_file = tmp_path / "atelier.json"
    assert main(["workshop", "export", "--token", token.group(1), "--out", str(out_file)]) == 0


def test_workshop_export_needs_a_token(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("FRESQUE_WORKSHOP_TOKEN", raising=False)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["workshop", "export", "--out", "x.json", "--url", url]) == 2
    assert "jeton" in capsys.readouterr().err
    assert main(["workshop", "export", "--out", "x.json", "--url", url, "--token", "nope"]) == 1
    assert "inconnu" in capsys.readouterr().err
