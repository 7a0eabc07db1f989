"""The Notion rows of the api's route table (:data:`functions.routes.table.ROUTES`): connecting,
disconnecting and erasing a workspace, and the agent's home in it (the page picker, a data source's
properties, the home's databases)."""

from functions.routes import Route
from functions.routes.notion_api import connection, home, workspace
from functions.routes.rows import Tag

_connection = Tag("connection", session_only=True)
_home = Tag("home")
_NOTION_DOWN = (502, 503)

NOTION_ROUTES: list[Route] = [
    Tag("connection", public=True)(
        "GET /connect",
        connection.start_connect,
        "Start connecting a workspace",
        {200: "models.connection.ConnectStart"},
        headers="models.connection.ConnectHeaders",
        refusals=(409,),
    ),
    _connection(
        "DELETE /connection",
        connection.remove_connection,
        "Disconnect the workspace",
        {200: "models.connection.Disconnected"},
        refusals=_NOTION_DOWN,
        role="owner",
    ),
    _connection(
        "POST /workspace/erase",
        workspace.erase,
        "Erase the workspace and all its data (its name typed to confirm)",
        {200: "models.connection.Erased"},
        body="notion_api.workspace.EraseWorkspace",
        refusals=_NOTION_DOWN,
        role="owner",
    ),
    _home(
        "GET /notion/pages",
        home.list_pages,
        "Pages and data sources the integration can see",
        {200: "models.home.PickerPage"},
        query="models.home.PagesQuery",
        refusals=_NOTION_DOWN,
        role="admin",
    ),
    _home(
        "GET /notion/data-sources/<data_source_id>/properties",
        home.list_properties,
        "A data source's properties, for its trigger rules",
        {200: "models.home.PropertyList"},
        path="models.home.PropertiesPath",
        refusals=(404, *_NOTION_DOWN),
        role="admin",
    ),
    _home(
        "GET /home",
        home.get_home,
        "The agent's databases in Notion",
        {200: "models.home.HomeView"},
        refusals=_NOTION_DOWN,
        role="viewer",
    ),
    _home(
        "POST /home",
        home.post_home,
        "Find or make the agent's databases under a page",
        {200: "models.home.HomeView"},
        body="notion_api.home.NewHome",
        refusals=(409, *_NOTION_DOWN),
        session_only=True,
        role="admin",
    ),
]
