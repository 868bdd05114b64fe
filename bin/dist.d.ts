// Types of bin/dist.js (plain JavaScript: it runs before any TypeScript loader is in place).
export declare const distRoot: URL;
export declare const stampFile: URL;
export declare function newestSource(): number;
export declare function distIsFresh(): boolean;
