// Starts GraphiQL on the page served at GET /graphql. Our own file (not third-party): it
// runs from a file rather than inline so the page works under a CSP without 'unsafe-inline'.
(function () {
  "use strict";

  var WELCOME = [
    "# GraphiQL, served by this API (works offline).",
    "#",
    "# Authenticate: open Headers below and paste",
    '#   {"Authorization": "Bearer tt_…"}',
    "# (make run and create-workspace print a token).",
    "#",
    "# Run: Ctrl-Enter or the play button.",
    "# Docs: the book icon on the left.",
    "",
    "{ me { email workspace { name } } }",
    "",
  ].join("\n");

  // The endpoint is this page's own address: /graphql for HTTP, ws(s)://…/graphql for
  // subscriptions (graphql-transport-ws).
  var endpoint = new URL(window.location.href);
  endpoint.search = "";
  endpoint.hash = "";
  var socket = new URL(endpoint.href);
  socket.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

  var fetcher = GraphiQL.createFetcher({
    url: endpoint.href,
    subscriptionUrl: socket.href,
  });

  var explorer = GraphiQLPluginExplorer.explorerPlugin();

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: WELCOME,
      plugins: [explorer],
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      // Keeps the pasted token across reloads (GraphiQL's settings dialog can turn it off).
      shouldPersistHeaders: true,
      inputValueDeprecation: true,
    }),
  );
})();
