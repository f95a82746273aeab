using System.Buffers;
using System.Text.Json;

namespace SupportBot.Dialogs.Engine;

/// <summary>
/// Writes and reads <see cref="DialogState"/> as small JSON, e.g.
/// <c>{"v":3,"l":"en","s":[{"i":"intake","n":2,"d":{"name":"Alice"}},{"i":"confirm","n":0,"d":{"p":"Shall I…?"}}]}</c>.
/// The envelope is written by hand (no reflection); each frame's <c>d</c> by its dialog, typed states through
/// source-generated JsonTypeInfo. <c>"v"</c> always comes first: the Redis store's compare-and-set reads it there.
/// </summary>
public sealed class DialogStateSerializer(DialogSet dialogs)
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public DialogSet Dialogs { get; } = dialogs;

    /// <summary>Writes <paramref name="state"/> with <paramref name="version"/> as its version.</summary>
    public void Write(IBufferWriter<byte> output, DialogState state, long version)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        Write(writer, state, version);
    }

    public void Write(Utf8JsonWriter writer, DialogState state, long version)
    {
        writer.WriteStartObject();
        writer.WriteNumber("v"u8, version);
        if (state.Language is not null)
        {
            writer.WriteString("l"u8, state.Language);
        }

        writer.WritePropertyName("s"u8);
        WriteStack(writer, state.Stack, Dialogs);
        writer.WriteEndObject();
        writer.Flush();
    }

    public byte[] Serialize(DialogState state, long version)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(buffer, state, version);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a saved state; an empty input gives a fresh state at version 0.</summary>
    public DialogState Deserialize(ReadOnlySpan<byte> json)
    {
        var state = new DialogState();
        if (json.IsEmpty)
        {
            return state;
        }

        var reader = new Utf8JsonReader(json);
        reader.Read();
        Expect(ref reader, JsonTokenType.StartObject);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("v"u8))
            {
                reader.Read();
                state.Version = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("l"u8))
            {
                reader.Read();
                state.Language = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
            }
            else if (reader.ValueTextEquals("s"u8))
            {
                reader.Read();
                var stack = ReadStack(ref reader, Dialogs);
                state.Stack.AddRange(stack);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return state;
    }

    internal static void WriteStack(Utf8JsonWriter writer, List<DialogInstance> stack, DialogSet dialogs)
    {
        writer.WriteStartArray();
        foreach (var frame in stack)
        {
            writer.WriteStartObject();
            writer.WriteString("i"u8, frame.Id);
            if (frame.Step != 0)
            {
                writer.WriteNumber("n"u8, frame.Step);
            }

            if (frame.State is not null && dialogs.Find(frame.Id) is { } dialog)
            {
                writer.WritePropertyName("d"u8);
                dialog.WriteState(writer, frame.State);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>
    /// Reads a stack. A frame whose dialog is no longer registered (a deploy removed it) cuts the stack
    /// there: the frames above it cannot resume into it.
    /// </summary>
    internal static List<DialogInstance> ReadStack(ref Utf8JsonReader reader, DialogSet dialogs)
    {
        Expect(ref reader, JsonTokenType.StartArray);
        var stack = new List<DialogInstance>(2);
        var broken = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? id = null;
            var step = 0;
            object? state = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("i"u8))
                {
                    reader.Read();
                    id = reader.GetString();
                }
                else if (reader.ValueTextEquals("n"u8))
                {
                    reader.Read();
                    step = reader.GetInt32();
                }
                else if (reader.ValueTextEquals("d"u8))
                {
                    reader.Read();
                    var dialog = id is null ? null : dialogs.Find(id);
                    if (dialog is null || broken || reader.TokenType == JsonTokenType.Null)
                    {
                        reader.Skip();
                    }
                    else
                    {
                        state = dialog.ReadState(ref reader);
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (broken || id is null || !dialogs.Contains(id))
            {
                broken = true;
                continue;
            }

            stack.Add(new DialogInstance(id) { Step = step, State = state });
        }

        return stack;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type)
        {
            throw new JsonException($"Dialog state: expected {type}, found {reader.TokenType}.");
        }
    }
}
