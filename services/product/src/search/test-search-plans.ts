import type { Database } from "@polyscale/platform";
import { buildSearchStatement } from "./postgres-engine.js";
import type { SearchQuery } from "../model.js";

/** One node of an EXPLAIN (FORMAT JSON) plan, as far as the plan tests read it. */
export interface PlanNode {
  "Node Type": string;
  /** Set on the root of a CTE's or a subquery's plan, e.g. "CTE filtered_matches". */
  "Subplan Name"?: string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  Plans?: PlanNode[];
}

/** A plan node with the part of the statement it belongs to: its CTE ("CTE any_price"), or "main". */
export type PlacedPlanNode = PlanNode & { part: string };

function nodesOf(plan: PlanNode, part: string): PlacedPlanNode[] {
  const own = plan["Subplan Name"]?.startsWith("CTE ") ? plan["Subplan Name"] : part;
  return [{ ...plan, part: own }, ...(plan.Plans ?? []).flatMap((child) => nodesOf(child, own))];
}

/**
 * The nodes, depth first, of the plan PostgreSQL runs for the search statement of `search` (EXPLAIN ANALYZE: it runs
 * it, so each node has its actual rows and loops).
 */
export async function searchPlan(database: Database, search: SearchQuery): Promise<PlacedPlanNode[]> {
  const statement = buildSearchStatement(search);
  const result = await database.query<{ "QUERY PLAN": Array<{ Plan: PlanNode }> }>(
    `EXPLAIN (ANALYZE, FORMAT JSON) ${statement.text}`,
    statement.values,
  );
  return nodesOf(result.rows[0]!["QUERY PLAN"][0]!.Plan, "main");
}
