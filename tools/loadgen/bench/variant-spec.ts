/** An extra server of a benchmark run: a label and the environment it adds (`name:KEY=VALUE,KEY=VALUE`). */
export interface VariantSpec {
  label: string;
  env: Record<string, string>;
}

/** Parses `--variant no-logs:OTEL_LOGS_EXPORTER=none,LOG_LEVEL=warn`; throws on a malformed one. */
export function parseVariantSpec(spec: string): VariantSpec {
  const colon = spec.indexOf(':');
  const label = (colon === -1 ? spec : spec.slice(0, colon)).trim();
  if (!/^[\w.-]+$/.test(label))
    throw new Error(`--variant ${spec}: the label (before ':') must be a plain word`);
  const env: Record<string, string> = {};
  const pairs = colon === -1 ? [] : spec.slice(colon + 1).split(',');
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq).trim();
    if (eq <= 0 || !/^[A-Z_][A-Z0-9_]*$/.test(key))
      throw new Error(`--variant ${spec}: '${pair}' is not KEY=VALUE`);
    env[key] = pair.slice(eq + 1);
  }
  return { label, env };
}
