import path from 'node:path';

export const projectRoot = path.resolve(__dirname, '..', '..');
/** Logs and records of this test run (git-ignored). */
export const testOutput = path.join(projectRoot, '.test-output');
export const logsDir = path.join(testOutput, 'logs');
/** Every secret value a test stored; the runner checks none of them reached a log. */
export const secretValuesFile = path.join(testOutput, 'secret-values.txt');
