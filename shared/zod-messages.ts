/**
 * zod/mini ships without messages ("Invalid input" for everything) to stay small; the English locale
 * (about 1 KB) makes every validation error say what was expected. Imported for its effect by the
 * modules that report validation problems to callers.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());
