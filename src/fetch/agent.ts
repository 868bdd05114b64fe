// The connection layer: undici Agents that refuse non-public addresses where the socket is made.
// Checking a URL before the request and letting the client resolve the name again would allow DNS
// rebinding; here the name is resolved once, by the lookup that also checks it, and the address the
// socket actually reached is checked again before any byte of the request is written.
import { lookup as dnsLookup } from "node:dns";
import { isIP, type LookupFunction, type Socket } from "node:net";
import { Agent, buildConnector } from "undici";
import { addressRefusal, AddressRefusedError } from "./address.ts";

export interface AgentOptions {
  connectTimeoutMs: number;
  allowPrivateNetworks: boolean;
}

// One Agent (and so one connection pool) per distinct setting, shared by every fetch.
const agents = new Map<string, Agent>();

export function agentFor(opts: AgentOptions): Agent {
  const key = `${opts.connectTimeoutMs}/${opts.allowPrivateNetworks}`;
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ connect: connectorFor(opts) });
    agents.set(key, agent);
  }
  return agent;
}

function connectorFor(opts: AgentOptions): buildConnector.connector {
  // `timeout` covers DNS, TCP and TLS: undici starts its timer before net.connect resolves the name.
  if (opts.allowPrivateNetworks) return buildConnector({ timeout: opts.connectTimeoutMs });
  const connect = buildConnector({ timeout: opts.connectTimeoutMs, lookup: publicOnlyLookup });
  return (options, callback) => {
    // IP literals skip the lookup: check them before connecting.
    const literal = isIP(options.hostname) ? addressRefusal(options.hostname, options.hostname) : null;
    if (literal) return callback(literal, null);
    connect(options, (err, socket) => {
      if (err) return callback(err, null);
      const refused = connectedRefusal(options.hostname, socket);
      if (!refused) return callback(null, socket);
      socket.destroy();
      callback(refused, null);
    });
  };
}

/** The last word: the address the socket is connected to. */
function connectedRefusal(host: string, socket: Socket): AddressRefusedError | null {
  const address = socket.remoteAddress;
  if (address === undefined) return new AddressRefusedError(`refused: the connection to ${host} closed before its address could be checked`);
  return addressRefusal(host, address);
}

/** dns.lookup that fails when any answer is non-public (a mixed answer is a rebinding trick). */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, "");
    for (const { address } of addresses) {
      const refused = addressRefusal(hostname, address);
      if (refused) return callback(refused, "");
    }
    const [first] = addresses;
    if (options.all) callback(null, addresses);
    else if (first) callback(null, first.address, first.family);
    else callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "");
  });
};
