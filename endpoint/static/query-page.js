// The query page: YASGUI on this server's /sparql, with nothing loaded from elsewhere.
(function () {
  "use strict";
  var initial = JSON.parse(document.getElementById("initial-query").textContent);
  var endpoint = new URL("/sparql", window.location.href).href;
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    // Only completers that work offline: no class or property look-ups on remote services.
    yasqe: { autocompleters: ["variables"], value: initial.example },
    persistenceId: "alliance-kg",
  });
  var tab = yasgui.getTab();
  tab.setEndpoint(endpoint);
  // The server predeclares its prefixes (akg:, id:, ...): the editor knows them too, so that it
  // does not mark a query that uses them as wrong, and no PREFIX lines fill the editor.
  var yasqe = tab.getYasqe();
  var mode = yasqe.getMode();
  var startState = mode.startState;
  mode.startState = function () {
    var state = startState.apply(this, arguments);
    Object.keys(initial.prefixes).forEach(function (name) {
      state.prefixes[name] = initial.prefixes[name];
    });
    return state;
  };
  if (initial.query) {
    tab.setQuery(initial.query);
  } else {
    yasqe.setValue(yasqe.getValue()); // read again, with the prefixes known
  }
  // The graph's own IRIs lead to their pages on this server, not to the IRI's host.
  function localise(root) {
    root.querySelectorAll("a[href]").forEach(function (link) {
      var href = link.getAttribute("href");
      if (href.indexOf(initial.entities) === 0) {
        link.setAttribute("href", "/id/" + href.slice(initial.entities.length));
        link.removeAttribute("target");
      }
    });
  }
  var results = document.getElementById("yasgui");
  new MutationObserver(function () { localise(results); })
    .observe(results, { childList: true, subtree: true });
  window.allianceKgYasgui = yasgui;
})();
