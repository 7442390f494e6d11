import { Router, type RequestHandler } from 'express';
import type { OutageReads } from '../../infra/http/outage-reads';
import { singleFileUpload, sniffType } from '../../infra/http/single-file-upload';
import { reencodeAvatar } from './avatar-image';
import { parseInput } from '../../infra/http/validate';
import { authOf, authenticate } from './authenticate';
import type { AccessTokens } from './tokens';
import type { ProfilesService } from './profiles.service';
import { accountIdParams, profilePatchBody } from './profiles.validation';

/** A public profile is served from the cache while the database is out. */
export const profileReadsDuringOutage: OutageReads = [/^\/[0-9a-f]{24}$/i];

export const avatarTypes = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

export interface ProfilesRouteLimits {
  general: RequestHandler;
  upload: RequestHandler;
}

export function profilesRouter(profiles: ProfilesService, accessTokens: AccessTokens, avatarMaxBytes: number, limits: ProfilesRouteLimits): Router {
  const router = Router();
  const signedIn = authenticate(accessTokens);

  router.get('/me', limits.general, signedIn, async (req, res) => {
    res.json(await profiles.getOwn(authOf(req).accountId));
  });

  router.patch('/me', limits.general, signedIn, async (req, res) => {
    res.json(await profiles.update(authOf(req).accountId, parseInput(profilePatchBody, req.body, 'body')));
  });

  router.put('/me/avatar', limits.upload, signedIn, singleFileUpload('avatar', avatarMaxBytes), async (req, res) => {
    const type = sniffType(req.file!.buffer, avatarTypes);
    const bytes = await reencodeAvatar(req.file!.buffer, type);
    res.json(await profiles.replaceAvatar(authOf(req).accountId, { bytes, ...type }));
  });

  router.delete('/me/avatar', limits.general, signedIn, async (req, res) => {
    res.json(await profiles.removeAvatar(authOf(req).accountId));
  });

  router.get('/:id', limits.general, async (req, res) => {
    res.json(await profiles.getPublic(parseInput(accountIdParams, req.params, 'params').id));
  });

  return router;
}
