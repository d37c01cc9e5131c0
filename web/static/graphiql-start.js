// Renders GraphiQL into #graphiql against this instance's endpoint. A token pasted into the
// headers tab ({"Authorization": "Bearer sx_..."}) is sent with every request.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var fetcher = GraphiQL.createFetcher({ url: root.dataset.endpoint });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true })
  );
})();
