/**
 * How an audit entry looks to a SIEM: one JSON object per line (tcp://), or an
 * RFC 5424 syslog message (facility 13 "log audit"; severity warning for
 * failures, informational otherwise) whose structured data carries seq and
 * entry hash and whose MSG is the same JSON. Over TCP syslog messages are
 * framed by octet counting (RFC 6587 §3.4.1).
 *
 * Pure: no I/O.
 */
import { canonicalJson } from "../../domain/audit/canonical-json";
import type { AuditEntryRecord } from "../../domain/audit/types";
import { entryToJson } from "../../domain/audit/audit-leaf";

export const FAILURE = /FAILED|REJECTED|ABANDONED|BROKEN/;
/** Private enterprise number used in the SD-ID: 32473 is reserved for documentation (RFC 5612). */
const SD_ID = "qecnet@32473";

export function jsonLine(e: AuditEntryRecord): string {
  return `${canonicalJson({ ...entryToJson(e), source: "qecnet-audit" })}\n`;
}

const sdEscape = (v: string) => v.replace(/[\\"\]]/g, (c) => `\\${c}`);
const token = (v: string, max: number) => (v.replace(/[^\x21-\x7e]/g, "_").slice(0, max) || "-");

export function syslogMessage(e: AuditEntryRecord, host: string, pid: number): string {
  const severity = FAILURE.test(e.action) ? 4 : 6;
  const pri = 13 * 8 + severity;
  const sd = `[${SD_ID} seq="${e.seq}" entryHash="${sdEscape(e.entryHash)}" subject="${sdEscape(`${e.subjectType}:${e.subjectId}`)}"]`;
  return `<${pri}>1 ${e.at.toISOString()} ${token(host, 255)} qecnet ${pid} ${token(e.action, 32)} ${sd} ${canonicalJson(entryToJson(e))}`;
}

/** RFC 6587 octet-counting frame: "<length in bytes> <message>". */
export function octetFrame(message: string): string {
  return `${Buffer.byteLength(message, "utf8")} ${message}`;
}
