/* Fresque — the few things the browser does by itself (Dash clientside callbacks).
 * Served by the app with its other assets; no data is turned into HTML here. */
(function () {
  "use strict";

  function cyOf(graphId) {
    var container = document.getElementById(graphId);
    return container && container._cyreg && container._cyreg.cy;
  }

  /* Bring a structure and its neighbours into view (zoom capped at 1.5). Once there,
   * the graph's scratch says which structure is in view ("fresqueShown"): the browser
   * tests wait for it rather than for the animation's duration. */
  function showNode(cy, selected) {
    var node = cy.getElementById(selected);
    if (!node || node.empty()) { return; }
    var around = node.closedNeighborhood("node.structure");
    cy.stop();
    cy.animate({
      fit: {eles: around, padding: 60},
      duration: 300,
      complete: function () {
        if (cy.zoom() > 1.5) {
          cy.zoom({level: 1.5, renderedPosition: node.renderedPosition()});
        }
        cy.scratch("fresqueShown", selected);
      },
    });
  }

  /* dash-cytoscape 1.0.2 may run a deferred viewport handler on a graph that was
   * just destroyed (the page navigated away from Réseau): cytoscape's headless() then
   * reads the renderer it has already dropped and throws "Cannot read properties of
   * null (reading 'isHeadless')". A destroyed graph is treated as headless (nothing to
   * draw). The method lives on the prototype every graph shares: patched once. */
  var GRAPH_IDS = ["net-graph", "atl-b-graph"];  /* ids.NET_GRAPH, atelier.B_GRAPH */

  function guardDestroyedGraphs() {
    var cy = null;
    GRAPH_IDS.forEach(function (id) { cy = cy || cyOf(id); });
    if (!cy) { return false; }
    var core = Object.getPrototypeOf(cy);
    if (!core.fresqueGuarded && typeof core.headless === "function") {
      var headless = core.headless;
      core.headless = function () {
        return this._private && this._private.renderer ? headless.call(this) : true;
      };
      core.fresqueGuarded = true;
    }
    return true;
  }
  var guardTimer = window.setInterval(function () {
    if (guardDestroyedGraphs()) { window.clearInterval(guardTimer); }
  }, 250);

  var shownSelection;

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    fresque: {
      /* The hovered structure's tooltip, or the hovered link in words, as text. */
      hoverText: function (node, edge, graphId) {
        var triggered = window.dash_clientside.callback_context.triggered;
        var onEdge = triggered.length && triggered[0].prop_id.endsWith("mouseoverEdgeData");
        if (!onEdge) {
          return node && node.tip ? node.tip : "";
        }
        var cy = cyOf(graphId);
        if (!edge || !cy) { return ""; }
        var name = function (id) {
          var found = cy.getElementById(id);
          return found.nonempty() ? found.data("label") : id;
        };
        var arrow = edge.relation === "partners_with" ? " — " : " → ";
        return name(edge.source) + " — " + edge.label + arrow + name(edge.target);
      },

      /* On opening the page: fold the filters on narrow screens, and show the selected
       * structure of a pasted link once the layout has run. */
      pageOpened: function (_id, graphId, selected) {
        shownSelection = selected;
        if (selected) {
          var tries = 0;
          var wait = function () {
            var cy = cyOf(graphId);
            if (cy && cy.nodes(".structure").length) {
              setTimeout(function () { showNode(cy, selected); }, 250);
            } else if (tries++ < 40) {
              setTimeout(wait, 100);
            }
          };
          wait();
        }
        return window.matchMedia("(min-width: 900px)").matches;
      },

      /* After the detail panel changes: keep the keyboard focus in it (the button that
       * was pressed is gone), and bring a structure chosen by search or from the panel
       * into view (one tapped in the graph is already under the eye). */
      detailShown: function (_children, selected, tapped, detailId, graphId) {
        var active = document.activeElement;
        var panel = document.getElementById(detailId);
        var heading = document.getElementById(detailId + "-title");
        if (heading && (!active || active === document.body || panel.contains(active))) {
          heading.focus({preventScroll: true});
        }
        var moved = selected !== shownSelection;
        shownSelection = selected;
        var cy = cyOf(graphId);
        if (cy && selected && moved && !(tapped && tapped.id === selected)) {
          showNode(cy, selected);
        }
        return window.dash_clientside.no_update;
      },

      /* The document's language and title follow the rendered page's. */
      documentFollows: function (rendered) {
        if (rendered) {
          document.documentElement.lang = rendered.lang;
          document.title = rendered.title;
        }
        return window.dash_clientside.no_update;
      },
    },
  });
})();
