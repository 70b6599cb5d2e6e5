/**
 * The fake TikTok as a dev tool (`npx ionflux dev fake tiktok`): the authorize page (it approves at once, as
 * the demo creator), the token endpoint (three grants, rotating refresh tokens), the Display API and a
 * Research API corpus of public videos over the last 60 days (#ootd, #linen, #skincare…). docs/tiktok.md
 * walks through it.
 */
import { platformSecretName } from '../../../shared/secrets/names';
import type { DevFake } from '../dev-fakes';
import { FakeTikTok } from './fake-tiktok';

export const DEV_CLIENT_KEY = 'awdevfakeclientkey';
export const DEV_CLIENT_SECRET = 'tiktok_dev_fake_secret';
export const DEV_OPEN_ID = '-000demo-creator-open-id';

const HASHTAGS = [['ootd', 'fashion'], ['linen', 'summer', 'ootd'], ['skincare', 'grwm'], ['grwm', 'ootd'], ['thrift', 'fashion']];

/** A deterministic corpus: a few videos a day for 60 days, spread over hashtags, creators and regions. */
function demoCorpus(now: number) {
  const videos = [];
  for (let day = 0; day < 60; day++) {
    for (let i = 0; i < 4; i++) {
      const n = day * 4 + i;
      videos.push({
        create_time: Math.floor(now / 1000) - day * 86_400 - i * 3_600 - 600,
        hashtag_names: HASHTAGS[n % HASHTAGS.length]!,
        username: `creator_${n % 7}`,
        region_code: ['US', 'BR', 'GB', 'DE'][n % 4]!,
        video_description: `look ${n}`,
        view_count: 1_000 + ((n * 7919) % 50_000),
        like_count: 100 + ((n * 104_729) % 5_000),
        share_count: n % 90,
        comment_count: n % 40,
      });
    }
  }
  return videos;
}

export const tiktokDevFake: DevFake = {
  summary: 'TikTok: Login Kit authorize + token endpoint, Display API (user info, videos), Research API with a demo corpus',
  options: {
    'client-key': { type: 'string', description: "the app's client key", default: DEV_CLIENT_KEY },
    'client-secret': { type: 'string', description: "the app's client secret (signs webhooks)", default: DEV_CLIENT_SECRET },
  },
  async start({ port, secretRoot, values }) {
    const clientKey = String(values['client-key'] ?? DEV_CLIENT_KEY);
    const clientSecret = String(values['client-secret'] ?? DEV_CLIENT_SECRET);
    const fake = await new FakeTikTok({ clientKey, clientSecret, port, defaultOpenId: DEV_OPEN_ID, videosPerNewUser: 12 }).start();
    fake.addUser(DEV_OPEN_ID, { display_name: 'Demo Creator', username: 'demo.creator', follower_count: 12_400, following_count: 310, likes_count: 287_000 });
    fake.addVideos(DEV_OPEN_ID, 12);
    fake.addResearchVideos(demoCorpus(Date.now()));
    return {
      origin: fake.origin,
      env: {},
      secrets: { [platformSecretName(secretRoot, 'tiktok')]: { client_key: clientKey, client_secret: clientSecret, base_url: fake.origin, auth_url: fake.authUrl } },
      notes: [
        `authorize approves at once as the demo creator (open_id ${DEV_OPEN_ID}, 12 videos); state lives until it stops`,
        'research corpus: 240 public videos over the last 60 days (#ootd #linen #skincare #grwm #thrift #fashion #summer)',
      ],
      stop: () => fake.stop(),
    };
  },
};
