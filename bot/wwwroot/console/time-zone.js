// The agent's time zone (see AgentClock.cs): kept in a cookie the server reads whenever a console page opens, so the
// console shows times as the agent's own clock does. Set on the sign-in page already, before the first console page.
const name = '.SupportBot.Console.TimeZone';
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const value = encodeURIComponent(zone ?? '');
if (zone && !document.cookie.split('; ').includes(`${name}=${value}`)) {
  const secure = location.protocol === 'https:' ? '; secure' : '';
  document.cookie = `${name}=${value}; path=/; max-age=31536000; samesite=strict${secure}`;
}
