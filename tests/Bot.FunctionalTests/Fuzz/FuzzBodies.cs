using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bogus;

namespace SupportBot.FunctionalTests.Fuzz;

/// <summary>One generated request body: bytes, the content type it claims (null: none), and what kind of case it is.</summary>
public sealed record FuzzBody(byte[] Content, string? ContentType, string Kind);

/// <summary>
/// Seeded request bodies around a valid example: the example with odd Unicode, every field given a
/// wrong type or dropped, huge numbers, malformed and deeply nested JSON, oversized, binary and
/// invalid UTF-8 bodies, and wrong content types. Body <c>i</c> depends only on the seed and
/// <c>i</c>, so a failure is reproduced by its index whatever the parallel order.
/// </summary>
public sealed partial class FuzzBodies(Func<int, JsonObject> example, int seed, int oversizeBytes = 300 * 1024)
{
    private static readonly string[] OddStrings =
    [
        "\u202Eevil\u202C rtl override", "שלום עולם مرحبا", "zero\u200Bwidth\u200D\uFEFFjoiners", "\uD83D\uDE00\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67 emoji",
        "e\u0301\u0301\u0301 combining", "nul\u0000inside", "\uFFFF\uFFFE noncharacters", "line\r\nbreak\u2028sep", "{c:braces}", "…" + new string('ж', 40),
        "<script>alert(1)</script>", "'; DROP TABLE x; --", "%00%ff%2e%2e/", "../../etc/passwd", "=HYPERLINK(\"x\")", "", " ", "\t",
    ];

    // Lone surrogates are legal JSON escapes but not Unicode: System.Text.Json must refuse or replace them.
    private static readonly string[] RawJsonStrings = ["\"\\ud800\"", "\"\\udfff tail\"", "\"\\ud83d\\u0041\"", "\"\\u0000\"", "\"\\uD834\\uDD1E\""];

    private static readonly string[] HugeNumbers =
    [
        "1e999", "-1e999", "99999999999999999999999999999999", "-9223372036854775809", "9223372036854775808", "18446744073709551616",
        "2147483648", "-2147483649", "1.7976931348623157e308", "4.9e-324", "-0", "0.0000000000000000000001", "1" + new string('0', 400),
    ];

    private static readonly string[] ContentTypes =
    [
        "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz",
        "application/json; charset=utf-16", "application/octet-stream", "application/json; charset=nonsense", "image/png",
    ];

    private readonly List<string[]> _paths = Paths(example(0), []).ToList();

    public FuzzBody this[int index]
    {
        get
        {
            var random = new Randomizer(unchecked(seed * 1_000_003 + index));
            var valid = example(index).ToJsonString();
            return (index % 16) switch
            {
                0 => Json(Mutate(valid, random, OddUnicode), "odd-unicode"),
                1 or 2 or 3 => Json(Mutate(valid, random, WrongType), "wrong-type"),
                4 => Json(Mutate(valid, random, Drop), "missing-field"),
                5 => Json(Mutate(valid, random, HugeNumber), "huge-number"),
                6 => Json(Mutate(valid, random, RawString), "raw-escape"),
                7 => Json(Malformed(valid, random), "malformed"),
                8 => Json(Nested(random), "deeply-nested"),
                9 => Json(Oversized(valid, random), "oversized"),
                10 => new FuzzBody(random.Bytes(random.Int(1, 4096)), random.Bool() ? "application/json" : null, "binary"),
                11 => new FuzzBody(InvalidUtf8(random), "application/json", "invalid-utf8"),
                12 => WrongContentType(valid, random),
                13 => Json(random.ArrayElement(["", "null", "[]", "{}", "\"\"", "0", "true", "[{}]", " \n\t "]), "empty-or-scalar"),
                14 => Json(Mutate(valid, random, WrongType, times: random.Int(2, 6)), "several-wrong-types"),
                _ => Json(Mutate(valid, random, OddUnicode, times: 3), "valid-ish"),
            };
        }
    }

    /// <summary>A query-string value for a read endpoint (already escaped): numbers of every size and sign, text, odd Unicode.</summary>
    public string QueryValue(int index)
    {
        var random = new Randomizer(unchecked(seed * 1_000_003 + index));
        var value = random.Int(0, 7) switch
        {
            0 => random.ArrayElement(HugeNumbers),
            1 => random.Long(long.MinValue, long.MaxValue).ToString(CultureInfo.InvariantCulture),
            2 => random.Int(0, 50).ToString(CultureInfo.InvariantCulture),
            3 => random.ArrayElement(OddStrings),
            4 => random.Utf16String(0, 64, excludeSurrogates: false),
            5 => new string('9', random.Int(1, 5000)),
            6 => random.ArrayElement(["", "-1", "0x10", "1.5", "NaN", "Infinity", " 1", "1 ", "+1", "١٢٣"]),
            _ => random.Words(),
        };
        // Every byte percent-encoded: lone surrogates become U+FFFD's bytes, as a browser would send them.
        return string.Concat(Encoding.UTF8.GetBytes(value).Select(b => "%" + b.ToString("X2", CultureInfo.InvariantCulture)));
    }

    private static FuzzBody Json(string text, string kind) => new(Encoding.UTF8.GetBytes(text), "application/json", kind);

    private string Mutate(string valid, Randomizer random, Func<Randomizer, JsonNode?, JsonNode?> change, int times = 1)
    {
        var root = JsonNode.Parse(valid)!;
        for (var i = 0; i < times && _paths.Count > 0; i++)
        {
            var path = _paths[random.Int(0, _paths.Count - 1)];
            var parent = root;
            for (var depth = 0; depth < path.Length - 1; depth++)
            {
                parent = Child(parent, path[depth]);
                if (parent is null)
                {
                    break;
                }
            }

            if (parent is null)
            {
                continue;
            }

            var last = path[^1];
            var replacement = change(random, Child(parent, last)?.DeepClone());
            if (parent is JsonObject obj)
            {
                if (ReferenceEquals(replacement, Dropped))
                {
                    obj.Remove(last);
                }
                else
                {
                    obj[last] = replacement;
                }
            }
            else if (parent is JsonArray array && int.TryParse(last, CultureInfo.InvariantCulture, out var at) && at < array.Count)
            {
                if (ReferenceEquals(replacement, Dropped))
                {
                    array.RemoveAt(at);
                }
                else
                {
                    array[at] = replacement;
                }
            }
        }

        var text = root.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        return RawMarker().Replace(text, m => (m.Groups[1].Value == "N" ? HugeNumbers : RawJsonStrings)[int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)]);
    }

    private static JsonNode? Child(JsonNode? node, string key) => node switch
    {
        JsonObject obj => obj[key],
        JsonArray array when int.TryParse(key, CultureInfo.InvariantCulture, out var i) && i < array.Count => array[i],
        _ => null,
    };

    private static readonly JsonNode Dropped = JsonValue.Create("\u0001dropped")!;

    private static JsonNode? Drop(Randomizer random, JsonNode? current) => Dropped;

    private static JsonNode? OddUnicode(Randomizer random, JsonNode? current) => current is JsonValue value && value.GetValueKind() == JsonValueKind.String
        ? JsonValue.Create(random.Bool() ? random.ArrayElement(OddStrings) + value.GetValue<string>() : random.Utf16String(1, 64, excludeSurrogates: false))
        : current;

    /// <summary>Another kind of JSON value than the example has there.</summary>
    private static JsonNode? WrongType(Randomizer random, JsonNode? current)
    {
        var kind = current?.GetValueKind() ?? JsonValueKind.Null;
        while (true)
        {
            JsonNode? candidate = random.Int(0, 7) switch
            {
                0 => JsonValue.Create(random.Utf16String(0, 32)),
                1 => JsonValue.Create(random.Long(long.MinValue, long.MaxValue)),
                2 => JsonValue.Create(random.Double(-1e300, 1e300)),
                3 => JsonValue.Create(random.Bool()),
                4 => null,
                5 => new JsonArray(JsonValue.Create(random.Int()), JsonValue.Create("x"), new JsonObject()),
                6 => new JsonObject { ["unexpected"] = new JsonArray(), [random.Utf16String(1, 8)] = random.Int() },
                _ => JsonValue.Create(random.Bool() ? "" : new string('9', random.Int(20, 400))),
            };
            var candidateKind = candidate?.GetValueKind() ?? JsonValueKind.Null;
            if (candidateKind != kind && !(candidateKind is JsonValueKind.True or JsonValueKind.False && kind is JsonValueKind.True or JsonValueKind.False))
            {
                return candidate;
            }
        }
    }

    /// <summary>A number no 64-bit type holds, written raw into the document.</summary>
    private static JsonNode? HugeNumber(Randomizer random, JsonNode? current) => JsonValue.Create($"\u0000RAW:N:{random.Int(0, HugeNumbers.Length - 1)}\u0000");

    /// <summary>A string with escapes that are JSON but not Unicode (lone surrogates, NUL), written raw.</summary>
    private static JsonNode? RawString(Randomizer random, JsonNode? current) => JsonValue.Create($"\u0000RAW:S:{random.Int(0, RawJsonStrings.Length - 1)}\u0000");

    /// <summary>The serialized form of those markers, replaced by the raw JSON text after serialization.</summary>
    [System.Text.RegularExpressions.GeneratedRegex("\"\\\\u0000RAW:(N|S):(\\d+)\\\\u0000\"")]
    private static partial System.Text.RegularExpressions.Regex RawMarker();

    private static string Malformed(string valid, Randomizer random) => random.Int(0, 9) switch
    {
        0 => valid[..random.Int(0, Math.Max(0, valid.Length - 1))], // cut short
        1 => valid.Insert(random.Int(0, valid.Length), random.ArrayElement(["{", "}", "[", "]", ",", ":", "\"", "\\", "'"])),
        2 => valid + random.ArrayElement(["}", "]", ",", " x", "{}", "\u0000"]),
        3 => valid.Replace('"', '\''),
        4 => "/* comment */" + valid,
        5 => valid.Replace(":", ": NaN, \"n\":", StringComparison.Ordinal),
        6 => "{\"a\":1,\"a\":2," + valid[1..],  // duplicate keys
        7 => "{" + string.Join(",", Enumerable.Range(0, random.Int(1000, 5000)).Select(i => $"\"k{i}\":{i}")) + "}",
        8 => "{\"unterminated\":\"" + new string('x', random.Int(1, 2000)),
        _ => valid.Remove(random.Int(0, valid.Length - 1), 1),
    };

    private static string Nested(Randomizer random)
    {
        var depth = random.ArrayElement([33, 64, 1_000, 10_000, 100_000]);
        return random.Bool()
            ? new string('[', depth) + new string(']', depth)
            : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
    }

    private string Oversized(string valid, Randomizer random)
    {
        // Mostly just over the limit; one in eight several times over it.
        var size = oversizeBytes + (random.Int(0, 7) == 0 ? random.Int(1, 3 * oversizeBytes) : random.Int(1, 16 * 1024));
        return random.Bool()
            ? "{\"text\":\"" + new string('x', size) + "\"}"
            : valid.Insert(1, "\"padding\":\"" + new string(random.Char('a', 'z'), size) + "\",");
    }

    private static byte[] InvalidUtf8(Randomizer random)
    {
        byte[][] bad = [[0xC3, 0x28], [0xFF], [0x80], [0xE2, 0x82], [0xF0, 0x28, 0x8C, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]];
        var prefix = Encoding.UTF8.GetBytes("{\"text\":\"abc");
        var suffix = Encoding.UTF8.GetBytes("def\",\"type\":\"message\"}");
        return [.. prefix, .. random.ArrayElement(bad), .. suffix];
    }

    private static FuzzBody WrongContentType(string valid, Randomizer random)
    {
        var type = random.ArrayElement(ContentTypes);
        var body = type.Contains("utf-16", StringComparison.Ordinal) ? Encoding.Unicode.GetBytes(valid) : Encoding.UTF8.GetBytes(valid);
        return new FuzzBody(body, type, "wrong-content-type");
    }

    /// <summary>Every path to a value in the example (objects by key, arrays by index).</summary>
    private static IEnumerable<string[]> Paths(JsonNode? node, string[] prefix)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    string[] path = [.. prefix, key];
                    yield return path;
                    foreach (var deeper in Paths(child, path))
                    {
                        yield return deeper;
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    string[] path = [.. prefix, i.ToString(CultureInfo.InvariantCulture)];
                    yield return path;
                    foreach (var deeper in Paths(array[i], path))
                    {
                        yield return deeper;
                    }
                }

                break;
        }
    }
}
