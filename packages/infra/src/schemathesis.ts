import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaries, repoRoot } from './paths.js';

export interface SchemathesisOptions {
  /** The running service: its `GET /openapi.json` is the schema, its origin the base URL. */
  baseUrl: string;
  /** Examples per operation and phase (bounded so the run stays cheap). */
  maxExamples?: number;
  /** Stateful phase: steps of each scenario. */
  maxSteps?: number;
  /** Whole run's time budget, in seconds. */
  maxTimeSeconds?: number;
  seed?: number;
}

export interface SchemathesisResult {
  /** 0: every check passed on every operation. */
  code: number | null;
  output: string;
  /** The summary's count line: `463 generated, 463 passed`. */
  summary: string;
  /** Folder of the JUnit report. */
  reportDir: string;
}

/** The project's schemathesis configuration: which checks, which answers are expected. */
export const schemathesisConfig = join(repoRoot, 'schemathesis.toml');

/**
 * Runs schemathesis (every check, positive and negative data, the examples, coverage,
 * fuzzing and stateful phases) against a running service. Fails with how to get it when it is
 * not installed.
 */
export function runSchemathesis(options: SchemathesisOptions): Promise<SchemathesisResult> {
  const bin = binaries().schemathesis;
  if (!existsSync(bin)) {
    return Promise.reject(
      new Error(`schemathesis is not installed at ${bin}: run \`npm run infra -- install schemathesis\``),
    );
  }
  const reportDir = mkdtempSync(join(tmpdir(), 'schemathesis-'));
  const args = [
    '--config-file',
    schemathesisConfig,
    'run',
    `${options.baseUrl}/openapi.json`,
    '--url',
    options.baseUrl,
    '--max-examples',
    String(options.maxExamples ?? 8),
    '--seed',
    String(options.seed ?? 14),
    '--max-time',
    String(options.maxTimeSeconds ?? 20),
    '--report',
    'junit',
    '--report-dir',
    reportDir,
    '--no-color',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      // No telemetry leaves the machine; the hypothesis database stays out of the repository.
      env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false', HYPOTHESIS_STORAGE_DIRECTORY: reportDir },
      cwd: reportDir,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const lines = output.split('\n');
      const at = lines.findIndex((line) => line.startsWith('Test cases:'));
      const summary = at === -1 ? '' : (lines[at + 1] ?? '').trim();
      resolve({ code, output, summary, reportDir });
    });
  });
}
