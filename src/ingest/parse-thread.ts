// The body of a parse thread: reads the bodies the main thread posts and answers with articles.
import { parentPort } from "node:worker_threads";
import { readFeed, type FeedBody } from "./read-feed.ts";

interface Task extends FeedBody {
  id: number;
}

const port = parentPort;
if (!port) throw new Error("parse-thread.ts runs only as a worker thread");
port.on("message", (task: Task) => {
  void readFeed(task).then((reading) => port.postMessage({ id: task.id, reading }));
});
