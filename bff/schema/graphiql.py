"""GraphiQL that works offline: strawberry's page, with its CDN files served by this package.

strawberry's own page (`strawberry/static/graphiql.html`) loads React, GraphiQL and the explorer
plugin from unpkg.com, so with no network the page stays blank. The same files (same versions,
byte for byte: the sha384 integrity values below are the ones strawberry's page carries) live in
`bff/static/graphiql/` (see its README.md for provenance and licences) and are mounted at
`GRAPHIQL_ASSETS_PATH`. The page keeps strawberry's behaviour: queries and mutations over HTTP at
the page's own URL, subscriptions over graphql-transport-ws at the same URL, the explorer plugin,
the headers editor and the `?q=`/`?variables=` share links. It contains no external URL.

The router serves it for `GET /graphql` with `Accept: text/html`, in dev only.
"""

from __future__ import annotations

import base64
import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

GRAPHIQL_ASSETS_PATH = "/graphiql-assets"
GRAPHIQL_ASSETS_DIR = Path(__file__).resolve().parent.parent / "static" / "graphiql"

# The URLs carry the package version, so a file may be cached for good: a new version is a new URL.
CACHE_CONTROL = "public, max-age=31536000, immutable"


@dataclass(frozen=True, slots=True)
class GraphiQLAsset:
    """One file strawberry's page loads from unpkg, and where it lives here."""

    package: str
    version: str
    file: str  # the name under bff/static/graphiql/
    unpkg_path: str  # the path inside the npm package (and on unpkg)
    integrity: str  # sha384 SRI, equal to the one in strawberry's page
    kind: Literal["script", "style"]
    in_head: bool

    @property
    def unpkg_url(self) -> str:
        return f"https://unpkg.com/{self.package}@{self.version}/{self.unpkg_path}"

    def url(self, assets_path: str) -> str:
        return f"{assets_path.rstrip('/')}/{self.file}?v={self.version}"

    def tag(self, assets_path: str) -> str:
        url = html.escape(self.url(assets_path), quote=True)
        integrity = html.escape(self.integrity, quote=True)
        if self.kind == "style":
            return f'<link rel="stylesheet" href="{url}" integrity="{integrity}" />'
        return f'<script src="{url}" integrity="{integrity}"></script>'


# In the order strawberry's page loads them (scripts in <head> run before the page's own code).
GRAPHIQL_ASSETS: tuple[GraphiQLAsset, ...] = (
    GraphiQLAsset(
        package="react",
        version="18.2.0",
        file="react.production.min.js",
        unpkg_path="umd/react.production.min.js",
        integrity="sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
        kind="script",
        in_head=True,
    ),
    GraphiQLAsset(
        package="react-dom",
        version="18.2.0",
        file="react-dom.production.min.js",
        unpkg_path="umd/react-dom.production.min.js",
        integrity="sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
        kind="script",
        in_head=True,
    ),
    GraphiQLAsset(
        package="js-cookie",
        version="3.0.5",
        file="js.cookie.min.js",
        unpkg_path="dist/js.cookie.min.js",
        integrity="sha384-/vxhYfM1LENRhdpZ8dwEsQn/X4VhpbEZSiU4m/FwR+PVpzar4fkEOw8FP9Y+OfQN",
        kind="script",
        in_head=True,
    ),
    GraphiQLAsset(
        package="graphiql",
        version="3.8.3",
        file="graphiql.min.css",
        unpkg_path="graphiql.min.css",
        integrity="sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
        kind="style",
        in_head=True,
    ),
    GraphiQLAsset(
        package="@graphiql/plugin-explorer",
        version="1.0.2",
        file="graphiql-plugin-explorer.css",
        unpkg_path="dist/style.css",
        integrity="sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
        kind="style",
        in_head=True,
    ),
    GraphiQLAsset(
        package="graphiql",
        version="3.8.3",
        file="graphiql.min.js",
        unpkg_path="graphiql.min.js",
        integrity="sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
        kind="script",
        in_head=False,
    ),
    GraphiQLAsset(
        package="@graphiql/plugin-explorer",
        version="1.0.2",
        file="graphiql-plugin-explorer.umd.js",
        unpkg_path="dist/index.umd.js",
        integrity="sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
        kind="script",
        in_head=False,
    ),
)

# strawberry's strawberry-emoji icon, base64-encoded so that the SVG namespace URL does not
# appear in the page as text.
_FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
    '<text y=".9em" font-size="80">&#x1f353;</text></svg>'
)
_FAVICON = "data:image/svg+xml;base64," + base64.b64encode(_FAVICON_SVG.encode()).decode("ascii")

_HEAD_ASSETS = "<!-- haoban:head-assets -->"
_BODY_ASSETS = "<!-- haoban:body-assets -->"

# strawberry-graphql 0.341.2's static/graphiql.html, with the unpkg tags replaced by the markers
# above and the favicon above. Everything else is unchanged.
_TEMPLATE = """<!doctype html>
<html>
  <head>
    <title>Strawberry GraphiQL</title>
    <link rel="icon" href="__FAVICON__" />
    <style>
      body {
        height: 100%;
        margin: 0;
        width: 100%;
        overflow: hidden;
      }

      #graphiql {
        height: 100vh;
        display: flex;
      }

      .docExplorerHide {
        display: none;
      }

      .doc-explorer-contents {
        overflow-y: hidden !important;
      }

      .docExplorerWrap {
        width: unset !important;
        min-width: unset !important;
      }

      .graphiql-explorer-actions select {
        margin-left: 4px;
      }
    </style>

    <!-- haoban:head-assets -->
  </head>

  <body>
    <div id="graphiql" class="graphiql-container">Loading...</div>
    <!-- haoban:body-assets -->
    <script>
      const EXAMPLE_QUERY = `# Welcome to GraphiQL 🍓
#
# GraphiQL is an in-browser tool for writing, validating, and
# testing GraphQL queries.
#
# Type queries into this side of the screen, and you will see intelligent
# typeaheads aware of the current GraphQL type schema and live syntax and
# validation errors highlighted within the text.
#
# GraphQL queries typically start with a "{" character. Lines that starts
# with a # are ignored.
#
# An example GraphQL query might look like:
#
#     {
#       field(arg: "value") {
#         subField
#       }
#     }
#
# Keyboard shortcuts:
#
#       Run Query:  Ctrl-Enter (or press the play button above)
#
#   Auto Complete:  Ctrl-Space (or just start typing)
#
`;

      // Parse URL parameters for sharing queries
      const parameters = {};

      for (const entry of window.location.search.slice(1).split("&")) {
        const eq = entry.indexOf("=");
        if (eq >= 0) {
          parameters[decodeURIComponent(entry.slice(0, eq))] =
            decodeURIComponent(entry.slice(eq + 1));
        }
      }

      function updateURL(data) {
        Object.assign(parameters, data);

        const newSearch =
          "?" +
          Object.keys(parameters)
            .filter(function (key) {
              return Boolean(parameters[key]);
            })
            .map(function (key) {
              return (
                encodeURIComponent(key) +
                "=" +
                encodeURIComponent(parameters[key])
              );
            })
            .join("&");
        history.replaceState(null, null, newSearch);
      }

      const fetchURL = window.location.href.split("?")[0];

      function httpUrlToWebSockeUrl(url) {
        const parsedURL = new URL(url);
        const protocol = parsedURL.protocol === "http:" ? "ws:" : "wss:";
        parsedURL.protocol = protocol;
        parsedURL.hash = "";
        return parsedURL.toString();
      }

      const defaultHeaders = {};
      const csrfToken = Cookies.get("csrftoken");

      if (csrfToken) {
        defaultHeaders["x-csrftoken"] = csrfToken;
      }

      const subscriptionUrl = httpUrlToWebSockeUrl(fetchURL);

      const fetcher = GraphiQL.createFetcher({
        url: fetchURL,
        headers: defaultHeaders,
        subscriptionUrl,
      });

      function GraphiQLWithExplorer() {
        const [query, setQuery] = React.useState(
          parameters.q || EXAMPLE_QUERY,
        );
        const [variables, setVariables] = React.useState(
          parameters.variables,
        );
        const [headers, setHeaders] = React.useState(parameters.headers);

        function onEditQuery(newQuery) {
          setQuery(newQuery);
          updateURL({ q: newQuery });
        }

        function onEditVariables(newVariables) {
          setVariables(newVariables);
          updateURL({ variables: newVariables });
        }

        function onEditHeaders(newHeaders) {
          setHeaders(newHeaders);
        }

        const explorerPlugin = GraphiQLPluginExplorer.explorerPlugin();

        return React.createElement(GraphiQL, {
          fetcher: fetcher,
          defaultEditorToolsVisibility: true,
          plugins: [explorerPlugin],
          query: query,
          variables: variables,
          headers: headers,
          onEditQuery: onEditQuery,
          onEditVariables: onEditVariables,
          onEditHeaders: onEditHeaders,
          inputValueDeprecation: true,
          isHeadersEditorEnabled: true,
          shouldPersistHeaders: true,
        });
      }

      const root = ReactDOM.createRoot(document.getElementById("graphiql"));
      root.render(React.createElement(GraphiQLWithExplorer));
    </script>
  </body>
</html>
"""


def graphiql_html(assets_path: str) -> str:
    """The whole GraphiQL page, loading its files from `assets_path` (built once at start-up)."""

    def tags(in_head: bool) -> str:
        return "\n    ".join(a.tag(assets_path) for a in GRAPHIQL_ASSETS if a.in_head is in_head)

    return (
        _TEMPLATE.replace("__FAVICON__", _FAVICON)
        .replace(_HEAD_ASSETS, tags(in_head=True))
        .replace(_BODY_ASSETS, tags(in_head=False))
    )


class _ImmutableStaticFiles(StaticFiles):
    """StaticFiles whose answers (200 and 304) may be cached for a year."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = CACHE_CONTROL
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def mount_graphiql_assets(app: FastAPI) -> None:
    """Serve bff/static/graphiql at GRAPHIQL_ASSETS_PATH (fails at start-up if it is missing)."""
    missing = [a.file for a in GRAPHIQL_ASSETS if not (GRAPHIQL_ASSETS_DIR / a.file).is_file()]
    if missing:
        raise RuntimeError(f"GraphiQL assets missing from {GRAPHIQL_ASSETS_DIR}: {missing}")
    app.mount(
        GRAPHIQL_ASSETS_PATH,
        _ImmutableStaticFiles(directory=GRAPHIQL_ASSETS_DIR),
        name="graphiql-assets",
    )
