import type { z } from 'zod';
import { scenarioSchema } from './schema.js';

type PathKey = string | number;

/** The pieces of zod's definition objects this walk reads (zod 4 keeps them on `_zod.def`). */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
}

function def(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Strips optional/default/pipe wrappers down to the schema that decides the shape. */
function unwrap(schema: z.ZodType): z.ZodType {
  for (let d = def(schema), n = 0; n < 20; d = def(schema), n++) {
    const inner = d.innerType ?? (d.type === 'pipe' ? d.in : undefined);
    if (!inner) break;
    schema = inner;
  }
  return schema;
}

function step(schema: z.ZodType, key: PathKey): z.ZodType | null {
  const d = def(unwrap(schema));
  if (d.type === 'object' && typeof key === 'string') return d.shape?.[key] ?? null;
  if (d.type === 'array' && typeof key === 'number') return d.element ?? null;
  if (d.type === 'union')
    for (const option of d.options ?? []) {
      const found = step(option, key);
      if (found) return found;
    }
  return null;
}

/**
 * The keys the scenario schema allows in the object at `path` (`smtp.rules[0]` → name, when, reply…),
 * for telling someone with a misspelt key what they may write instead. Empty when unknown.
 */
export function allowedKeys(path: readonly PathKey[]): string[] {
  let schema: z.ZodType | null = scenarioSchema;
  for (const key of path) {
    schema = step(schema, key);
    if (!schema) return [];
  }
  const d = def(unwrap(schema));
  return d.type === 'object' ? Object.keys(d.shape ?? {}) : [];
}
