import { ConfigurationError } from '../errors';

export class InvalidConfigError extends ConfigurationError {
  constructor(variable: string, problem: string) {
    super(`environment variable ${variable} ${problem}`, { code: 'invalid_configuration', details: { variable } });
  }
}
