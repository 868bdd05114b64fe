/** The document cannot be read as a feed; the message says why in plain words. */
export class FeedParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FeedParseError";
  }
}
