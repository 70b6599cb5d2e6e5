/**
 * Embedded Signup, after the browser part: exchange the code for the business token
 * (`GET /oauth/access_token?client_id&client_secret&code`), subscribe our app to the customer's WABA
 * (`POST /{waba_id}/subscribed_apps`), register the number for the Cloud API
 * (`POST /{phone_number_id}/register` with a two-step verification PIN), read what Meta says of it.
 */
export const exchangeCodeQuery = (appId: string, appSecret: string, code: string) => ({ client_id: appId, client_secret: appSecret, code });

export interface GraphTokenResponse {
  access_token?: string;
  token_type?: string;
  expires_in?: number;
}

export const registerBody = (pin: string) => ({ messaging_product: 'whatsapp', pin });

export const PHONE_NUMBER_FIELDS = 'id,display_phone_number,verified_name,quality_rating,throughput,platform_type';

export interface GraphPhoneNumber {
  id?: string;
  display_phone_number?: string;
  verified_name?: string;
  quality_rating?: string;
  throughput?: { level?: string };
  platform_type?: string;
}

/** Meta's throughput level → messages per second: 80 by default, 1,000 after the automatic upgrade. */
export function throughputMps(level: string | undefined): number {
  return level === 'HIGH' ? 1000 : 80;
}

export interface GraphSuccess {
  success?: boolean;
}
