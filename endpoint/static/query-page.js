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
  if (initial.query) {
    tab.setQuery(initial.query);
  }
  window.allianceKgYasgui = yasgui;
})();
