// Query parameters shared by every paged list (the API, search, the pages): one definition, one
// set of messages.
import { z } from "zod";
import { decodeCursor, type StoryCursor } from "../store/stories.ts";

/** `?limit=`: 1 to 200, default 50. */
export const pageLimit = z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(200, "must be at most 200").default(50);

/** `?before=`: a cursor from a previous page's `next`, or nothing (the newest page). */
export const storyCursor = (message = "is not a cursor from a previous page's `next`") =>
  z
    .string()
    .optional()
    .transform((v, ctx): StoryCursor | null => {
      if (v === undefined || v === "") return null;
      const cursor = decodeCursor(v);
      if (!cursor) ctx.addIssue({ code: "custom", message });
      return cursor;
    });
