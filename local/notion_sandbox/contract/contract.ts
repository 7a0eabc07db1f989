import type {
  GetSelfResponse, SearchResponse, CreatePageResponse, GetPageResponse, UpdatePageResponse,
  GetDataSourceResponse, QueryDataSourceResponse, GetDatabaseResponse,
  CreateDatabaseResponse, CreateDatabaseParameters, UpdateDatabaseResponse, SearchParameters,
  ListBlockChildrenResponse, AppendBlockChildrenResponse, ListCommentsResponse, CreateCommentResponse, GetCommentResponse,
  OauthTokenResponse, OauthRevokeResponse,
  AppendBlockChildrenParameters, CreateCommentParameters, GetPageMarkdownResponse,
} from "@notionhq/client/build/src/api-endpoints"
import type { ContentPositionSchema } from "@notionhq/client/build/src/api-endpoints/common"
import type {
  PageCreatedWebhookPayload, PagePropertiesUpdatedWebhookPayload, PageContentUpdatedWebhookPayload,
  CommentCreatedWebhookPayload, DataSourceContentUpdatedWebhookPayload,
} from "@notionhq/client/build/src/api-endpoints/webhooks"
import type { APIErrorCode } from "@notionhq/client"
export type ErrorResponse = { object: "error"; status: number; code: `${APIErrorCode}`; message: string; request_id?: string }
export type NotionContract = {
  "GET /v1/users/me": GetSelfResponse
  "POST /v1/search": SearchResponse
  "POST /v1/pages": CreatePageResponse
  "GET /v1/pages/{page_id}": GetPageResponse
  "GET /v1/pages/{page_id}/markdown": GetPageMarkdownResponse
  "PATCH /v1/pages/{page_id}": UpdatePageResponse
  "GET /v1/data_sources/{data_source_id}": GetDataSourceResponse
  "POST /v1/data_sources/{data_source_id}/query": QueryDataSourceResponse
  "GET /v1/databases/{database_id}": GetDatabaseResponse
  "POST /v1/databases": CreateDatabaseResponse
  "PATCH /v1/databases/{database_id}": UpdateDatabaseResponse
  "request POST /v1/databases": CreateDatabaseParameters
  "request POST /v1/search": SearchParameters
  "GET /v1/blocks/{block_id}/children": ListBlockChildrenResponse
  "PATCH /v1/blocks/{block_id}/children": AppendBlockChildrenResponse
  "GET /v1/comments": ListCommentsResponse
  "POST /v1/comments": CreateCommentResponse
  "GET /v1/comments/{comment_id}": GetCommentResponse
  "POST /v1/oauth/token": OauthTokenResponse
  "POST /v1/oauth/revoke": OauthRevokeResponse
  "error": ErrorResponse
  "request PATCH /v1/blocks/{block_id}/children": { children: AppendBlockChildrenParameters["children"] }
  "request PATCH /v1/blocks/{block_id}/children position": ContentPositionSchema
  "request POST /v1/comments": { rich_text: Extract<CreateCommentParameters, { rich_text: unknown }>["rich_text"] }
  "webhook page.created": PageCreatedWebhookPayload
  "webhook page.properties_updated": PagePropertiesUpdatedWebhookPayload
  "webhook page.content_updated": PageContentUpdatedWebhookPayload
  "webhook comment.created": CommentCreatedWebhookPayload
  "webhook data_source.content_updated": DataSourceContentUpdatedWebhookPayload
}
