// Which of a feed's items may be stored: never a tombstoned one (purged, left out by backfill, past
// retention) and, on a source's first successful fetch, only what its backfill choice keeps. Items
// left out by backfill are tombstoned, so the next fetch does not take them for new ones.
import type { Transaction } from "kysely";
import type { Database, Source } from "../db/schema.ts";
import type { ArticleInput } from "../normalise/article.ts";
import { addTombstones, tombstonedIdentities } from "../store/tombstones.ts";

export async function admitArticles(trx: Transaction<Database>, source: Source, articles: ArticleInput[], now: Date): Promise<ArticleInput[]> {
  if (articles.length === 0) return articles;
  const dead = await tombstonedIdentities(trx, source.id, articles.map((a) => a.identity), now);
  const alive = dead.size > 0 ? articles.filter((a) => !dead.has(a.identity)) : articles;
  const days = source.backfill_days;
  if (source.last_success_at !== null || days === null || days === undefined) return alive;
  // Undated items cannot be shown to be old: a limit in days keeps them; "none" keeps nothing.
  const cutoff = now.getTime() - days * 86_400_000;
  const old = (a: ArticleInput) => days === 0 || (a.publishedAt !== null && a.publishedAt.getTime() < cutoff);
  const dropped = alive.filter(old);
  if (dropped.length === 0) return alive;
  await addTombstones(trx, source.id, dropped.map((a) => a.identity), "backfill");
  return alive.filter((a) => !old(a));
}
