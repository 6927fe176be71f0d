import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { WebhooksConfigurationError } from '../core/errors/webhooks.errors';
import { PORTAL_ASSETS_FOLDER, PORTAL_MANIFEST } from './portal.constants';
import { portalAssetsMissingMessage } from './portal.messages';

/** What the asset build writes last (`manifest.json`): the page's entry files, and every file it may load. */
export interface PortalManifest {
  /** A hash of the sources the assets were built from. */
  hash: string;
  entry: { js: string; css: string };
  files: string[];
}

/** One asset, ready to send. */
export interface PortalAsset {
  body: Buffer;
  /** The body gzipped, sent to browsers that accept it. */
  gzip: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Where the built assets are: beside the compiled portal (dist/lib/portal/assets; lib/portal/assets in a checkout). */
export const portalAssetsDir = (): string => join(__dirname, PORTAL_ASSETS_FOLDER);

/**
 * The portal's built assets (the Preact page, its stylesheet, its icon), read once at startup and kept in
 * memory, gzipped: a few tens of kilobytes. Only the files the manifest lists are ever served, by name, so
 * no request path reaches the file system.
 */
@Injectable()
export class PortalAssets implements OnModuleInit {
  private manifestValue: PortalManifest | null = null;
  private readonly assets = new Map<string, PortalAsset>();
  private readonly dir = portalAssetsDir();

  onModuleInit(): void {
    const manifestFile = join(this.dir, PORTAL_MANIFEST);
    if (!existsSync(manifestFile))
      throw new WebhooksConfigurationError(portalAssetsMissingMessage(this.dir), 'admin.portal');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as PortalManifest;
    for (const name of manifest.files) {
      const file = join(this.dir, name);
      if (!/^[\w.-]+$/.test(name) || !TYPES[extname(name)] || !existsSync(file)) {
        throw new WebhooksConfigurationError(portalAssetsMissingMessage(this.dir), 'admin.portal');
      }
      const body = readFileSync(file);
      this.assets.set(name, { body, gzip: gzipSync(body, { level: 9 }), type: TYPES[extname(name)] });
    }
    this.manifestValue = manifest;
  }

  get manifest(): PortalManifest {
    return this.manifestValue!;
  }

  /** The asset called `name`, if the manifest lists it. */
  get(name: string): PortalAsset | undefined {
    return this.assets.get(name);
  }
}
