import * as domain from "../domain/index.js";
import { optionalString, requiredString } from "./input.js";
import { anonymous, bearer, bodyOf, ref, responses } from "./openapi.js";
import { created, ok, type Route } from "./router.js";

/** Categories (tag catalog): listing them (anyone) and creating one (admins only). */
export function categoryRoutes(): Route[] {
  return [
    {
      method: "GET",
      path: "/categories",
      operation: {
        operationId: "categories",
        tags: ["catalog"],
        summary: "Every category",
        security: anonymous,
        responses: responses(
          { status: 200, description: "Categories", schema: { type: "array", items: ref("Category") } },
          [],
        ),
      },
      handle: async (context) => ok(await domain.listCategories(context)),
    },
    {
      method: "POST",
      path: "/categories",
      operation: {
        operationId: "createCategory",
        tags: ["catalog"],
        summary: "Create a category (admins only); 409 SLUG_TAKEN when another has its slug",
        security: bearer,
        requestBody: bodyOf("NewCategory"),
        responses: responses(
          { status: 201, description: "The new category", schema: ref("Category") },
          [400, 401, 403, 404, 409, 413],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const category = await domain.createCategory(context, {
          name: requiredString(body, "name"),
          slug: optionalString(body, "slug"),
          parentId: optionalString(body, "parentId"),
        });
        return created(category);
      },
    },
  ];
}
