/**
 * @module configure_analytics: attaches the analytics wrapper when the session asked for it;
 * otherwise records that it was skipped.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { stepContext } from "../context.ts";
import type { BuildStateType, BuildUpdate } from "../state.ts";

export function configureAnalytics(
  state: BuildStateType,
  config: LangGraphRunnableConfig,
): Promise<BuildUpdate> {
  const ctx = stepContext(config, "configure_analytics", state.sessionId);
  ctx.present({ type: "analytics", name: "analytics" }, 0.85);
  const reason = state.options.enableAnalytics
    ? "The analytics wrapper is not available yet; the build continues without it"
    : "Analytics is off for this session";
  ctx.emit("analytics_skipped", reason, {
    payload: { requested: state.options.enableAnalytics },
  });
  ctx.present({ type: "analytics", name: "analytics" }, 0.9);
  return Promise.resolve({ analytics: null });
}
