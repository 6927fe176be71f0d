import type { ServerResponse } from 'node:http';
import { Controller, Get, Header, Query, Res, UnauthorizedException } from '@nestjs/common';
import { principalForApiKey } from './sample-principals';

/** The cookie the sample's sign-in sets: a browser carries it to the admin API and the portal. */
export const SAMPLE_SESSION_COOKIE = 'sample_api_key';

/**
 * The sample's stand-in for a real sign-in page, so that the portal opens in a browser as the administrator
 * without a header to set: `GET /sign-in?key=sample-admin` keeps the key in an HttpOnly, SameSite=Strict
 * cookie and moves on to the portal. A real application signs its operators in its own way (a session,
 * passport…); its guards then let the portal's requests through as they let the admin API's.
 */
@Controller('sign-in')
export class SampleSignInController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @Header('Referrer-Policy', 'no-referrer')
  signIn(@Query('key') key: string | undefined, @Res({ passthrough: true }) response: ServerResponse): string {
    if (!principalForApiKey(key)) throw new UnauthorizedException('Unknown key.');
    response.setHeader('Set-Cookie', `${SAMPLE_SESSION_COOKIE}=${key}; Path=/; HttpOnly; SameSite=Strict`);
    return `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=/webhooks/portal"><title>Signed in</title><p>Signed in. <a href="/webhooks/portal">Open the portal</a>.</p>`;
  }
}
