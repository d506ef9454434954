// Package chat reads conversation records (OpenAI-style "messages" of
// {role, content} and ShareGPT-style "conversations" of {from, value}) from
// JSONL and parquet, and renders each conversation to text with a model's
// chat template the way Hugging Face's apply_chat_template does (Jinja with
// trim_blocks and lstrip_blocks, bos_token, eos_token,
// add_generation_prompt false, raise_exception, strftime_now), through
// github.com/ardanlabs/jinja.
//
// A template that refuses a conversation (raise_exception) yields a
// *RefusalError, which a caller counts and skips; a template using a
// construct the renderer lacks yields an *UnsupportedError naming the
// construct and the template's line, never a partial render.
package chat
