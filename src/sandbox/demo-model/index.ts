export { DemoChatModel, type DemoChatModelOptions } from "./demo-chat-model.js";
export { DEMO_EXAMPLES } from "./examples.js";
