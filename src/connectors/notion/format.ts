/** Renders an instant as ISO 8601 with the offset of `timeZone`, e.g. `2025-03-04T09:15:00-08:00`. */
export function formatInZone(date: Date, timeZone: string): string {
  try {
    const parts: Record<string, string> = {};
    const formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    for (const part of formatter.formatToParts(date)) parts[part.type] = part.value;
    const wall = Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    );
    const offsetMinutes = Math.round((wall - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
    const sign = offsetMinutes < 0 ? "-" : "+";
    const abs = Math.abs(offsetMinutes);
    const offset = `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
    return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
  } catch {
    // An unknown zone should not break a read; UTC is still unambiguous.
    return date.toISOString().replace(/\.\d{3}Z$/, "Z");
  }
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** Cuts long texts so one message cannot flood the model's context. */
export function truncate(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  return { text: `${text.slice(0, max - 1)}…`, truncated: true };
}
