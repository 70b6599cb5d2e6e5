import { provisionAll } from '../local/provision';

let done: Promise<void> | undefined;

/** Against an emulator (moto), the CLI creates the tables and queues it needs, like `npm run dev`. */
export const ensureResources = () => (done ??= provisionAll({ secrets: false }));
