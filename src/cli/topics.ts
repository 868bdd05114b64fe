// `feedloom topics add|edit|list|remove|preview`: topics are data, managed here or over the admin
// API (src/api/topics.ts); both go through src/topics/manage.ts. Exit codes: 0 done, 1 a failure
// the message explains (unknown topic, already exists, reserved), 2 a usage error (bad slug, bad
// definition: the message names the field).
import { InvalidArgumentError, Option, type Command } from "commander";
import type { z } from "zod";
import { topicDefinitionSchema, type TopicDefinition } from "../topics/definition.ts";
import type { Hit } from "../topics/match.ts";
import { createTopic, deleteTopic, slugSchema, topicInfos, topicJson, TopicError, updateTopic } from "../topics/manage.ts";
import { previewDefinition, previewJson, type PreviewStory } from "../topics/preview.ts";
import { table } from "./format.ts";
import { CliError, type CliContext } from "./program.ts";

const firstIssue = (e: z.ZodError) => {
  const i = e.issues[0];
  return `${i?.path.length ? `\`${i.path.join(".")}\`: ` : ""}${i?.message ?? "invalid"}`;
};

function parseSlug(value: string): string {
  const r = slugSchema.safeParse(value);
  if (!r.success) throw new InvalidArgumentError(firstIssue(r.error));
  return r.data;
}

/** A definition as JSON ({"match": …}), or simply terms separated by commas ("nato, north atlantic alliance"). */
export function parseDefinition(value: string): TopicDefinition {
  const text = value.trim();
  let raw: unknown;
  if (text.startsWith("{")) {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new InvalidArgumentError(`not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  } else {
    raw = { match: { any: text.split(",").map((t) => t.trim()).filter((t) => t !== "") } };
  }
  const r = topicDefinitionSchema.safeParse(raw);
  if (!r.success) throw new InvalidArgumentError(firstIssue(r.error));
  return r.data;
}

function parseCount(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > max) throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    return n;
  };
}

const text = (s: string | undefined, field: string, max: number): string | undefined => {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (field === "title" && t === "") throw new CliError("--title cannot be empty");
  if (t.length > max) throw new CliError(`--${field} is at most ${max} characters`);
  return t;
};

function asCliError(err: unknown): never {
  if (err instanceof TopicError) throw new CliError(err.kind === "not-found" ? `${err.message}; \`feedloom topics list\` shows them` : err.message);
  throw err;
}

const hitsText = (hits: Hit[]) => hits.map((h) => `${h.term} in ${h.field}${h.count > 1 ? ` ×${h.count}` : ""}`).join(", ");

function previewStoryText(s: PreviewStory, matched: boolean): string {
  const lines = [`  ${matched ? "" : "not filed: "}${s.title} (story ${s.id}, ${s.published.toISOString().slice(0, 10)}, score ${s.score})\n`];
  for (const a of s.articles) {
    if (a.hits.length === 0 && a.excludeHits.length === 0 && !a.reason) continue;
    const why = [a.hits.length > 0 ? hitsText(a.hits) : "no terms", a.excludeHits.length > 0 ? `excluded by ${hitsText(a.excludeHits)}` : "", !a.matched && a.reason ? `(${a.reason})` : ""];
    lines.push(`      ${s.articles.length > 1 ? `article ${a.id}: ` : ""}${why.filter((w) => w !== "").join("; ")}\n`);
  }
  return lines.join("");
}

/** Adds the `topics` command and its subcommands to the program. */
export function registerTopicCommands(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  const base = () => ctx.config.baseUrl;
  const topics = program.command("topics").description("manage topics (what each topic feed holds)");

  topics
    .command("list")
    .description("list topics with their story counts and definitions")
    .option("--json", "print a JSON array")
    .action(async (opts: { json?: boolean }) => {
      const rt = await ctx.runtime();
      const infos = await topicInfos(rt.db);
      if (opts.json) return io.out(JSON.stringify(infos.map((i) => topicJson(i, base())), null, 2) + "\n");
      const rows = [["SLUG", "TITLE", "STORIES", "RE-MATCH", "DEFINITION"]];
      for (const i of infos) {
        rows.push([i.topic.slug, i.topic.title, String(i.stories), i.rematch ? `running (${i.rematch.scanned} scanned)` : "-", JSON.stringify(i.topic.definition).slice(0, 80)]);
      }
      io.out(table(rows));
    });

  topics
    .command("add")
    .description("define a new topic; its stored stories are matched in the background")
    .argument("<slug>", "the topic's name in URLs: lower-case letters, digits, hyphens", parseSlug)
    .requiredOption("--title <title>", "the topic's title")
    .addOption(new Option("--definition <definition>", 'JSON ({"match": …}) or terms separated by commas').argParser(parseDefinition).makeOptionMandatory())
    .option("--description <text>", "a sentence saying what the topic is about")
    .option("--json", "print the new topic as JSON")
    .action(async (slug: string, opts: { title: string; definition: TopicDefinition; description?: string; json?: boolean }) => {
      const title = text(opts.title, "title", 200)!;
      const description = text(opts.description, "description", 2000);
      const rt = await ctx.runtime();
      const topic = await createTopic(rt.db, { slug, title, description, definition: opts.definition }).catch(asCliError);
      const [info] = await topicInfos(rt.db, topic);
      io.out(opts.json ? JSON.stringify(topicJson(info!, base()), null, 2) + "\n" : `added topic ${slug}: ${base()}/topics/${slug}.rss (stored stories are being matched in the background)\n`);
    });

  topics
    .command("edit")
    .description("change a topic's title, description or definition (a new definition re-matches stored stories)")
    .argument("<slug>", "the topic", parseSlug)
    .option("--title <title>", "a new title")
    .addOption(new Option("--definition <definition>", 'a new definition: JSON ({"match": …}) or terms separated by commas').argParser(parseDefinition))
    .option("--description <text>", "a new description")
    .option("--json", "print the topic as JSON")
    .action(async (slug: string, opts: { title?: string; definition?: TopicDefinition; description?: string; json?: boolean }) => {
      if (opts.title === undefined && opts.definition === undefined && opts.description === undefined) throw new CliError("nothing to change: give --title, --description or --definition");
      const rt = await ctx.runtime();
      const topic = await updateTopic(rt.db, slug, { title: text(opts.title, "title", 200), description: text(opts.description, "description", 2000), definition: opts.definition }).catch(asCliError);
      const [info] = await topicInfos(rt.db, topic);
      io.out(opts.json ? JSON.stringify(topicJson(info!, base()), null, 2) + "\n" : `updated topic ${slug}${opts.definition ? " (stored stories are being re-matched in the background)" : ""}\n`);
    });

  topics
    .command("remove")
    .description("remove a topic and its feed (the stories stay)")
    .argument("<slug>", "the topic", parseSlug)
    .action(async (slug: string) => {
      const rt = await ctx.runtime();
      await deleteTopic(rt.db, slug).catch(asCliError);
      io.out(`removed topic ${slug}\n`);
    });

  topics
    .command("preview")
    .description("show which stored stories a definition would file, and why (terms and fields), without saving it")
    .argument("<definition>", 'JSON ({"match": …}) or terms separated by commas', parseDefinition)
    .addOption(new Option("--limit <n>", "stories listed at most").argParser(parseCount(200)).default(20))
    .addOption(new Option("--scan <n>", "newest stored stories examined").argParser(parseCount(100_000)).default(5_000))
    .option("--json", "print JSON")
    .action(async (definition: TopicDefinition, opts: { limit: number; scan: number; json?: boolean }) => {
      const rt = await ctx.runtime();
      const preview = await previewDefinition(rt.db, definition, { limit: opts.limit, scan: opts.scan });
      if (opts.json) return io.out(JSON.stringify(previewJson(preview), null, 2) + "\n");
      io.out(`${preview.matched} of the ${preview.scanned} newest stories would be filed${preview.matched > preview.stories.length ? ` (showing ${preview.stories.length})` : ""}:\n`);
      for (const s of preview.stories) io.out(previewStoryText(s, true));
      if (preview.nearMisses.length > 0) {
        io.out(`\nmentioned but not filed:\n`);
        for (const s of preview.nearMisses) io.out(previewStoryText(s, false));
      }
    });
}
