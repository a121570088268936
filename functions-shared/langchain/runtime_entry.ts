/**
 * @module What the control plane uses of LangGraph and LangChain at run time, the entry point of
 * `runtime.generated.js` (`deno task vendor-langchain`). Vendored as one tree-shaken file so the
 * deployed worker holds only this code: importing the npm packages would ship every file of
 * @langchain/core's dependencies, js-tiktoken's 22 MB of token tables among them, and take the
 * worker over the 5 MB server-side bundle limit. Add an export here, then regenerate.
 */
export { Annotation, END, START, StateGraph } from "@langchain/langgraph";
export { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
export { BaseChatModel } from "@langchain/core/language_models/chat_models";
export {
  AIMessage,
  coerceMessageLikeToMessage,
  HumanMessage,
  SystemMessage,
} from "@langchain/core/messages";
export { OutputParserException } from "@langchain/core/output_parsers";
export { RunnableLambda } from "@langchain/core/runnables";
