/** /api/v1/scenario and /api/v1/reset: which scenario plays, switching it, and starting afresh. */
import {
  listShippedScenarios,
  loadScenario,
  parseScenario,
  ScenarioError,
  type Scenario,
} from '../scenario/index.js';
import { removeMessages } from './messages.js';
import { HttpError, readJson, sendJson } from './respond.js';
import type { ApiRequest, HttpContext, Route } from './router.js';

function describe(ctx: HttpContext) {
  const scenario = ctx.scenario();
  const running = ctx.sandbox.scenario;
  return {
    current:
      scenario && running
        ? {
            name: running.name,
            seed: running.seed,
            random: running.random,
            description: scenario.description ?? '',
          }
        : null,
    shipped: listShippedScenarios(),
  };
}

function getScenario({ res, ctx }: ApiRequest): void {
  sendJson(res, 200, describe(ctx));
}

function invalid(err: ScenarioError): HttpError {
  return new HttpError(400, 'invalid-scenario', err.message, { problems: err.problems });
}

/**
 * `{"name": "greylisting"}` (optionally `"seed"`) picks a shipped scenario by name, never a path: the
 * API must not open files the user did not choose. Anything else is a scenario document, validated as a
 * file is, with positions in the text that was sent.
 */
async function readScenario(text: string, value: unknown): Promise<{ scenario: Scenario; seed?: number }> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new HttpError(
      400,
      'invalid-scenario',
      'send {"name": "<shipped scenario>"} or a scenario document (an object)',
    );
  const body = value as Record<string, unknown>;
  const keys = Object.keys(body);
  if ('name' in body && keys.every((k) => k === 'name' || k === 'seed')) {
    const { name, seed } = body;
    if (
      seed !== undefined &&
      (!Number.isInteger(seed) || (seed as number) < 0 || (seed as number) >= 2 ** 32)
    )
      throw new HttpError(400, 'invalid-scenario', 'seed: must be a whole number from 0 to 4294967295');
    const shipped = listShippedScenarios().map((s) => s.name);
    if (typeof name !== 'string' || !shipped.includes(name))
      throw new HttpError(
        400,
        'invalid-scenario',
        `name: ${JSON.stringify(name)} is not a shipped scenario (${shipped.join(', ')})`,
      );
    try {
      return { scenario: await loadScenario(name), seed: seed as number | undefined };
    } catch (err) {
      if (err instanceof ScenarioError) throw invalid(err);
      throw err;
    }
  }
  try {
    return {
      scenario: await parseScenario(text, {
        label: 'PUT /scenario',
        name: 'http-api',
        file: null,
        baseDir: null,
      }),
    };
  } catch (err) {
    if (err instanceof ScenarioError) throw invalid(err);
    throw err;
  }
}

function note(ctx: HttpContext, text: string): number {
  return ctx.sandbox.bus.publish({ type: 'note', sid: '-', proto: 'smtp', level: 'info', text }).seq;
}

async function putScenario({ req, res, ctx }: ApiRequest): Promise<void> {
  const { text, value } = await readJson(req, ctx.limits.httpBodyBytes);
  const { scenario, seed } = await readScenario(text, value);
  ctx.sandbox.useScenario(scenario, seed);
  note(ctx, `scenario ${scenario.name} in use (HTTP API): sessions opened from now on play it`);
  sendJson(res, 200, {
    ...describe(ctx),
    // As with SIGHUP, a running sandbox swaps the rules; certificates, users and seeded mail are read at start.
    appliesAtStartOnly: (['tls', 'users', 'mail'] as const).filter((k) => scenario[k] !== undefined),
  });
}

async function reset({ res, ctx }: ApiRequest): Promise<void> {
  const deleted = await removeMessages(ctx.sandbox.store, null);
  const scenario = ctx.scenario();
  // A fresh engine: occurrence counters and the random source start again from the same seed.
  if (scenario) ctx.sandbox.useScenario(scenario, ctx.sandbox.scenario?.seed);
  ctx.sessionsSince = note(
    ctx,
    `reset (HTTP API): ${deleted} messages deleted, sessions and counters cleared`,
  );
  sendJson(res, 200, { deleted });
}

export const SCENARIO_ROUTES: Route[] = [
  { method: 'GET', path: /^\/api\/v1\/scenario$/, handle: getScenario },
  { method: 'PUT', path: /^\/api\/v1\/scenario$/, handle: putScenario },
  { method: 'POST', path: /^\/api\/v1\/reset$/, handle: reset },
];
