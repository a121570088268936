/** @module The baseline plan of each template. */

import type { Plan, Template } from "./schema.ts";
import { marketplaceBaseline } from "./templates/marketplace.ts";
import { saasBaseline } from "./templates/saas.ts";

/** Options of {@linkcode baselinePlan}. */
export interface BaselineOptions {
  /** Whether the analytics wrapper is attached; default false. */
  readonly enableAnalytics?: boolean;
}

/** A fresh copy of `template`'s baseline plan, with no requirements yet. */
export function baselinePlan(template: Template, options: BaselineOptions = {}): Plan {
  const plan = template === "marketplace" ? marketplaceBaseline() : saasBaseline();
  return { ...plan, analytics: { enabled: options.enableAnalytics ?? false } };
}
