"""The home's and page picker's query and answers (``functions.routes.home``)."""

from typing import Literal

from pydantic import Field

from functions.routes.notion_api.home import CURSOR_MAX, PAGE_SIZE_MAX, QUERY_MAX
from shared.platform.domain.schema import Schema
from shared.workspace.domain.agent_home import HomeState, PickerItem
from shared.workspace.domain.settings import NOTION_ID
from shared.workspace.domain.triggers import PropertyChoice


class PagesQuery(Schema):
    query: str = Field("", max_length=QUERY_MAX, description="Words of the title")
    cursor: str | None = Field(
        None, max_length=CURSOR_MAX, pattern=r"^[ -~]*$", description="The next_cursor of an earlier answer"
    )
    page_size: int = Field(25, ge=1, le=PAGE_SIZE_MAX)
    kind: Literal["", "page", "data_source"] = Field(
        "", description="page or data_source: only those; empty or absent: both"
    )


class PickerPage(Schema):
    """One page of what the integration can see; ``next_cursor`` null at the end."""

    results: list[PickerItem]
    next_cursor: str | None


class PropertiesPath(Schema):
    data_source_id: str = Field(pattern=NOTION_ID, description="A data source's Notion id")


class PropertyList(Schema):
    """A data source's properties, by name, as a trigger rule may name them."""

    properties: list[PropertyChoice]


class HomeDatabaseView(Schema):
    """One of the home's databases; its ids once one is stored."""

    title: str
    state: HomeState
    database_id: str = ""
    data_source_id: str = ""
    chosen: bool = Field(False, description="The owner's own database (Tasks only)")


class HomeDatabases(Schema):
    runs: HomeDatabaseView
    daily_plans: HomeDatabaseView
    tasks: HomeDatabaseView


class HomeView(Schema):
    """The page the home is under (null: none chosen yet) and its databases."""

    parent_page_id: str | None
    databases: HomeDatabases
