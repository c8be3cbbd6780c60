package semconv

import "go.opentelemetry.io/otel/attribute"

// Namespace: agenttrace.observation
//
// Observation attributes describe one span as an AgentTrace observation.
// Values of the JSON-typed keys are JSON text; the exporter embeds them in the
// ingestion event as JSON values, not as strings of JSON.
const (
	// ObservationTypeKey is the attribute Key for the kind of AgentTrace
	// observation a span is.
	//
	// Type: Enum (see the ObservationType values)
	// Mirrors: gen_ai.operation.name (chat, embeddings and execute_tool spans
	// become generation, embedding and tool observations)
	ObservationTypeKey = attribute.Key("agenttrace.observation.type")

	// ObservationInputKey is the attribute Key for the input of an observation.
	//
	// Type: JSON
	// Mirrors: gen_ai.input.messages
	ObservationInputKey = attribute.Key("agenttrace.observation.input")

	// ObservationOutputKey is the attribute Key for the output of an
	// observation.
	//
	// Type: JSON
	// Mirrors: gen_ai.output.messages
	ObservationOutputKey = attribute.Key("agenttrace.observation.output")

	// ObservationMetadataKey is the attribute Key for free-form metadata of an
	// observation.
	//
	// Type: JSON object
	ObservationMetadataKey = attribute.Key("agenttrace.observation.metadata")

	// ObservationLevelKey is the attribute Key for the severity of an
	// observation. The exporter sets ERROR for spans whose OTel status is
	// Error.
	//
	// Type: Enum (see the Level values)
	ObservationLevelKey = attribute.Key("agenttrace.observation.level")

	// ObservationStatusMessageKey is the attribute Key for a human-readable
	// status of an observation, typically the error message.
	//
	// Type: string
	// Mirrors: the OTel span status description
	ObservationStatusMessageKey = attribute.Key("agenttrace.observation.status_message")

	// ObservationVersionKey is the attribute Key for the version of the code
	// or agent that produced an observation.
	//
	// Type: string
	// Mirrors: gen_ai.agent.version
	ObservationVersionKey = attribute.Key("agenttrace.observation.version")

	// ObservationParentIDKey is the attribute Key for the span id (16 lowercase
	// hex characters) of the observation's AgentTrace parent, set when the
	// nearest AgentTrace ancestor is not the span's OTel parent (a span of
	// another instrumentation sits in between).
	//
	// Type: string
	ObservationParentIDKey = attribute.Key("agenttrace.observation.parent_id")
)

// Namespace: agenttrace.trace
//
// Trace attributes describe the AgentTrace trace a span belongs to. Any span
// of the trace may carry them; the exporter merges them into one trace row,
// the values of later-ending spans winning over earlier ones.
const (
	// TraceNameKey is the attribute Key for the name of the trace. The root
	// span's name is used when no span sets it.
	//
	// Type: string
	// Mirrors: gen_ai.workflow.name
	TraceNameKey = attribute.Key("agenttrace.trace.name")

	// TraceUserIDKey is the attribute Key for the id of the end user the
	// trace worked for.
	//
	// Type: string
	// Mirrors: user.id
	TraceUserIDKey = attribute.Key("agenttrace.trace.user_id")

	// TraceSessionIDKey is the attribute Key for the id of the session that
	// groups related traces.
	//
	// Type: string
	// Mirrors: session.id, gen_ai.conversation.id
	TraceSessionIDKey = attribute.Key("agenttrace.trace.session_id")

	// TraceTagsKey is the attribute Key for the tags of the trace.
	//
	// Type: string[]
	TraceTagsKey = attribute.Key("agenttrace.trace.tags")

	// TraceMetadataKey is the attribute Key for free-form metadata of the
	// trace.
	//
	// Type: JSON object
	TraceMetadataKey = attribute.Key("agenttrace.trace.metadata")

	// TracePublicKey is the attribute Key for whether the trace may be shared
	// by public link.
	//
	// Type: boolean
	TracePublicKey = attribute.Key("agenttrace.trace.public")

	// TraceReleaseKey is the attribute Key for the release of the application
	// that produced the trace.
	//
	// Type: string
	// Mirrors: service.version
	TraceReleaseKey = attribute.Key("agenttrace.trace.release")

	// TraceVersionKey is the attribute Key for the version of the trace's
	// logic (for example an agent or prompt revision).
	//
	// Type: string
	TraceVersionKey = attribute.Key("agenttrace.trace.version")

	// TraceInputKey is the attribute Key for the input of the whole trace.
	// Without it, the trace's input is the input of its root observation.
	//
	// Type: JSON
	TraceInputKey = attribute.Key("agenttrace.trace.input")

	// TraceOutputKey is the attribute Key for the output of the whole trace.
	// Without it, the trace's output is the output of its root observation.
	//
	// Type: JSON
	TraceOutputKey = attribute.Key("agenttrace.trace.output")

	// TraceStartTimeKey is the attribute Key for the start time of the trace's
	// root span in Unix nanoseconds. Spans and records that must be delivered
	// before their trace has ended (checkpoints, file operations, terminal
	// commands) carry it, so the exporter can create the trace row ahead of
	// them with the same start time as the final row.
	//
	// Type: int
	TraceStartTimeKey = attribute.Key("agenttrace.trace.start_time")
)

// Namespace: agenttrace.generation
//
// Generation attributes complete the gen_ai.* attributes of a generation with
// the fields AgentTrace has and the GenAI conventions lack. The model, the
// token usage and the response are read from the gen_ai.* keys.
const (
	// GenerationModelParametersKey is the attribute Key for the parameters the
	// model was called with (temperature, max tokens, ...).
	//
	// Type: JSON object
	// Mirrors: gen_ai.request.temperature, gen_ai.request.max_tokens,
	// gen_ai.request.top_p and the other gen_ai.request.* parameters
	GenerationModelParametersKey = attribute.Key("agenttrace.generation.model_parameters")

	// GenerationUsageTotalTokensKey is the attribute Key for the total number
	// of tokens of a generation, when the provider reports one. Without it the
	// total is input plus output tokens.
	//
	// Type: int
	GenerationUsageTotalTokensKey = attribute.Key("agenttrace.generation.usage.total_tokens")

	// GenerationUsageUnavailableKey is the attribute Key for the reason a
	// generation has no token usage (for example a stream that did not ask
	// for usage). The generation is then sent without usage instead of with
	// zeros.
	//
	// Type: string
	GenerationUsageUnavailableKey = attribute.Key("agenttrace.generation.usage.unavailable")

	// GenerationCompletionStartTimeKey is the attribute Key for the time the
	// first token of the completion arrived, in Unix nanoseconds.
	//
	// Type: int
	// Mirrors: gen_ai.response.time_to_first_chunk
	GenerationCompletionStartTimeKey = attribute.Key("agenttrace.generation.completion_start_time")

	// GenerationPromptVersionKey is the attribute Key for the version of the
	// managed prompt the generation used. Its name is in gen_ai.prompt.name.
	//
	// Type: int
	GenerationPromptVersionKey = attribute.Key("agenttrace.generation.prompt.version")
)

// Namespace: agenttrace.checkpoint
//
// Checkpoint attributes describe a snapshot of the files an agent works on.
// The git state of a checkpoint is in the vcs.* keys (VCSRefHeadRevisionKey,
// VCSRefHeadNameKey, VCSRepositoryURLFullKey).
const (
	// CheckpointNameKey is the attribute Key for the name of a checkpoint.
	//
	// Type: string
	CheckpointNameKey = attribute.Key("agenttrace.checkpoint.name")

	// CheckpointDescriptionKey is the attribute Key for the description of a
	// checkpoint.
	//
	// Type: string
	CheckpointDescriptionKey = attribute.Key("agenttrace.checkpoint.description")

	// CheckpointTypeKey is the attribute Key for the kind of checkpoint.
	//
	// Type: Enum (see the CheckpointType values)
	CheckpointTypeKey = attribute.Key("agenttrace.checkpoint.type")

	// CheckpointFilesSnapshotKey is the attribute Key for the snapshot of the
	// checkpoint's files: a JSON object from path to {"size":n,"hash":"<sha256
	// hex>"}.
	//
	// Type: JSON object
	CheckpointFilesSnapshotKey = attribute.Key("agenttrace.checkpoint.files_snapshot")

	// CheckpointFilesChangedKey is the attribute Key for the paths that
	// changed since the previous checkpoint of the same trace.
	//
	// Type: string[]
	CheckpointFilesChangedKey = attribute.Key("agenttrace.checkpoint.files_changed")

	// CheckpointTotalFilesKey is the attribute Key for the number of files in
	// the checkpoint.
	//
	// Type: int
	CheckpointTotalFilesKey = attribute.Key("agenttrace.checkpoint.total_files")

	// CheckpointTotalSizeBytesKey is the attribute Key for the total size of
	// the checkpoint's files in bytes.
	//
	// Type: int
	CheckpointTotalSizeBytesKey = attribute.Key("agenttrace.checkpoint.total_size_bytes")
)

// Namespace: agenttrace.file
//
// File operation attributes describe one operation of an agent on a file. The
// path and size are in the OTel file.* keys (FilePathKey, FileSizeKey,
// FileModeKey).
const (
	// FileOperationKey is the attribute Key for the operation performed.
	//
	// Type: Enum (see the FileOperation values)
	FileOperationKey = attribute.Key("agenttrace.file.operation")

	// FileNewPathKey is the attribute Key for the destination of a rename,
	// move or copy.
	//
	// Type: string
	FileNewPathKey = attribute.Key("agenttrace.file.new_path")

	// FileContentHashKey is the attribute Key for the SHA-256 (lowercase hex)
	// of the file's content after the operation.
	//
	// Type: string
	FileContentHashKey = attribute.Key("agenttrace.file.content_hash")

	// FileContentBeforeHashKey is the attribute Key for the SHA-256 of the
	// content before the operation.
	//
	// Type: string
	FileContentBeforeHashKey = attribute.Key("agenttrace.file.content_before_hash")

	// FileContentAfterHashKey is the attribute Key for the SHA-256 of the
	// content after the operation.
	//
	// Type: string
	FileContentAfterHashKey = attribute.Key("agenttrace.file.content_after_hash")

	// FileMimeTypeKey is the attribute Key for the MIME type of the file.
	//
	// Type: string
	FileMimeTypeKey = attribute.Key("agenttrace.file.mime_type")

	// FileLinesAddedKey is the attribute Key for the number of lines added.
	//
	// Type: int
	FileLinesAddedKey = attribute.Key("agenttrace.file.lines_added")

	// FileLinesRemovedKey is the attribute Key for the number of lines
	// removed.
	//
	// Type: int
	FileLinesRemovedKey = attribute.Key("agenttrace.file.lines_removed")

	// FileDiffPreviewKey is the attribute Key for a unified diff of the
	// change, cut to the diff budget and with secrets redacted.
	//
	// Type: string
	FileDiffPreviewKey = attribute.Key("agenttrace.file.diff_preview")

	// FileDiffPreviewTruncatedKey is the attribute Key for whether the diff
	// preview was cut to its budget.
	//
	// Type: boolean
	FileDiffPreviewTruncatedKey = attribute.Key("agenttrace.file.diff_preview_truncated")

	// FileSuccessKey is the attribute Key for whether the operation
	// succeeded.
	//
	// Type: boolean
	FileSuccessKey = attribute.Key("agenttrace.file.success")

	// FileErrorMessageKey is the attribute Key for the error of a failed
	// operation.
	//
	// Type: string
	FileErrorMessageKey = attribute.Key("agenttrace.file.error_message")
)

// Namespace: agenttrace.terminal
//
// Terminal command attributes describe one command an agent ran. The command,
// its arguments, exit code and working directory are in the OTel process.*
// keys (ProcessCommandKey, ProcessCommandArgsKey, ProcessExitCodeKey,
// ProcessWorkingDirectoryKey).
const (
	// TerminalShellKey is the attribute Key for the shell that ran the
	// command.
	//
	// Type: string
	TerminalShellKey = attribute.Key("agenttrace.terminal.shell")

	// TerminalEnvVarsKey is the attribute Key for the environment of the
	// command: a JSON object from name to value, secret values redacted.
	//
	// Type: JSON object
	// Mirrors: process.environment_variable.<name>
	TerminalEnvVarsKey = attribute.Key("agenttrace.terminal.env_vars")

	// TerminalStdoutKey is the attribute Key for the captured standard output,
	// cut to the output budget and with secrets redacted.
	//
	// Type: string
	TerminalStdoutKey = attribute.Key("agenttrace.terminal.stdout")

	// TerminalStderrKey is the attribute Key for the captured standard error,
	// cut to the output budget and with secrets redacted.
	//
	// Type: string
	TerminalStderrKey = attribute.Key("agenttrace.terminal.stderr")

	// TerminalStdoutTruncatedKey is the attribute Key for whether the captured
	// standard output was cut.
	//
	// Type: boolean
	TerminalStdoutTruncatedKey = attribute.Key("agenttrace.terminal.stdout_truncated")

	// TerminalStderrTruncatedKey is the attribute Key for whether the captured
	// standard error was cut.
	//
	// Type: boolean
	TerminalStderrTruncatedKey = attribute.Key("agenttrace.terminal.stderr_truncated")

	// TerminalTimedOutKey is the attribute Key for whether the command was
	// stopped because it ran out of time.
	//
	// Type: boolean
	TerminalTimedOutKey = attribute.Key("agenttrace.terminal.timed_out")

	// TerminalKilledKey is the attribute Key for whether the command was
	// killed by a signal.
	//
	// Type: boolean
	TerminalKilledKey = attribute.Key("agenttrace.terminal.killed")

	// TerminalMaxMemoryBytesKey is the attribute Key for the peak resident
	// memory of the command, where the OS reports it.
	//
	// Type: int
	TerminalMaxMemoryBytesKey = attribute.Key("agenttrace.terminal.max_memory_bytes")

	// TerminalCPUTimeMsKey is the attribute Key for the CPU time (user plus
	// system) of the command in milliseconds, where the OS reports it.
	//
	// Type: int
	TerminalCPUTimeMsKey = attribute.Key("agenttrace.terminal.cpu_time_ms")
)

// Namespace: agenttrace.agent
//
// Agent attributes say why an agent acted; file operations and terminal
// commands carry them. The tool is in gen_ai.tool.name.
const (
	// AgentReasonKey is the attribute Key for the reason the agent gave for an
	// action.
	//
	// Type: string
	AgentReasonKey = attribute.Key("agenttrace.agent.reason")
)

// Reused OpenTelemetry keys. AgentTrace uses these names as they are in the
// OpenTelemetry semantic conventions v1.41.0.
const (
	// VCSRefHeadRevisionKey is the attribute Key for the commit SHA of a
	// checkpoint or git link.
	//
	// Type: string
	VCSRefHeadRevisionKey = attribute.Key("vcs.ref.head.revision")

	// VCSRefHeadNameKey is the attribute Key for the branch of a checkpoint
	// or git link.
	//
	// Type: string
	VCSRefHeadNameKey = attribute.Key("vcs.ref.head.name")

	// VCSRepositoryURLFullKey is the attribute Key for the repository URL of a
	// checkpoint or git link, with any credentials removed.
	//
	// Type: string
	VCSRepositoryURLFullKey = attribute.Key("vcs.repository.url.full")

	// FilePathKey is the attribute Key for the path of a file operation.
	//
	// Type: string
	FilePathKey = attribute.Key("file.path")

	// FileSizeKey is the attribute Key for the size in bytes of the file after
	// a file operation.
	//
	// Type: int
	FileSizeKey = attribute.Key("file.size")

	// FileModeKey is the attribute Key for the permission bits of the file, in
	// octal (for example "0644").
	//
	// Type: string
	FileModeKey = attribute.Key("file.mode")

	// ProcessCommandKey is the attribute Key for the command of a terminal
	// command (the program, without arguments).
	//
	// Type: string
	ProcessCommandKey = attribute.Key("process.command")

	// ProcessCommandArgsKey is the attribute Key for the arguments of a
	// terminal command. As in OpenTelemetry, the first element is the
	// command itself.
	//
	// Type: string[]
	ProcessCommandArgsKey = attribute.Key("process.command_args")

	// ProcessExitCodeKey is the attribute Key for the exit code of a terminal
	// command.
	//
	// Type: int
	ProcessExitCodeKey = attribute.Key("process.exit.code")

	// ProcessWorkingDirectoryKey is the attribute Key for the working
	// directory of a terminal command.
	//
	// Type: string
	ProcessWorkingDirectoryKey = attribute.Key("process.working_directory")

	// UserIDKey is the attribute Key other instrumentations use for the end
	// user; the exporter reads it as the trace's user id.
	//
	// Type: string
	UserIDKey = attribute.Key("user.id")

	// SessionIDKey is the attribute Key other instrumentations use for the
	// session; the exporter reads it as the trace's session id.
	//
	// Type: string
	SessionIDKey = attribute.Key("session.id")
)
