/** The scenario engine's public face: what the CLI and the library API use. */
export { ScenarioEngine, type AuthPolicy, type DecisionContext } from './engine.js';
export {
  defaultScenario,
  listShippedScenarios,
  loadScenario,
  parseScenario,
  ScenarioError,
  type Scenario,
} from './load.js';
export type { Verdict } from './verdicts.js';
