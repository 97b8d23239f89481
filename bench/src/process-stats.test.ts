import { describe, expect, it } from "vitest";
import { cpuMilliseconds, parseCpuTicks, parseResidentBytes, residentBytes } from "./process-stats.js";

describe("parseResidentBytes", () => {
  it("reads VmRSS in kB as bytes", () => {
    const status = "Name:\tnode\nVmPeak:\t  900 kB\nVmRSS:\t   51200 kB\nThreads:\t11\n";
    expect(parseResidentBytes(status)).toBe(51200 * 1024);
  });

  it("refuses a status text without VmRSS", () => {
    expect(() => parseResidentBytes("Name:\tnode\n")).toThrow(/VmRSS/);
  });
});

describe("parseCpuTicks", () => {
  it("adds utime and stime, even when the command name holds spaces and parentheses", () => {
    const stat = "4242 (node (gw) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 170 30 0 0 20 0 11 0 5000 1000 2000";
    expect(parseCpuTicks(stat)).toBe(200);
  });
});

describe("this process", () => {
  it("has resident memory and has used some CPU", () => {
    expect(residentBytes(process.pid)).toBeGreaterThan(1024 * 1024);
    expect(cpuMilliseconds(process.pid)).toBeGreaterThan(0);
  });
});
