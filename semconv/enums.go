package semconv

// Enum values for agenttrace.observation.type.
var (
	// ObservationTypeSpan is a unit of work that is not an LLM call: the
	// default type of a span.
	ObservationTypeSpan = ObservationTypeKey.String("span")
	// ObservationTypeGeneration is a call to a model that generates content.
	ObservationTypeGeneration = ObservationTypeKey.String("generation")
	// ObservationTypeEvent is a point in time with no duration.
	ObservationTypeEvent = ObservationTypeKey.String("event")
	// ObservationTypeAgent is an agent invocation that decides what to do.
	ObservationTypeAgent = ObservationTypeKey.String("agent")
	// ObservationTypeTool is the execution of a tool an agent called.
	ObservationTypeTool = ObservationTypeKey.String("tool")
	// ObservationTypeChain is a fixed sequence of steps.
	ObservationTypeChain = ObservationTypeKey.String("chain")
	// ObservationTypeRetriever is a lookup in a document store or index.
	ObservationTypeRetriever = ObservationTypeKey.String("retriever")
	// ObservationTypeEmbedding is a call to an embedding model.
	ObservationTypeEmbedding = ObservationTypeKey.String("embedding")
	// ObservationTypeGuardrail is a check that may block input or output.
	ObservationTypeGuardrail = ObservationTypeKey.String("guardrail")
	// ObservationTypeEvaluator is an evaluation of another observation.
	ObservationTypeEvaluator = ObservationTypeKey.String("evaluator")
	// ObservationTypeCheckpoint is a snapshot of the files an agent works on.
	ObservationTypeCheckpoint = ObservationTypeKey.String("checkpoint")
	// ObservationTypeFileOperation is an operation of an agent on a file.
	ObservationTypeFileOperation = ObservationTypeKey.String("file_operation")
	// ObservationTypeTerminalCommand is a command an agent ran.
	ObservationTypeTerminalCommand = ObservationTypeKey.String("terminal_command")
)

// Enum values for agenttrace.observation.level.
var (
	// LevelDebug is detail that is usually hidden.
	LevelDebug = ObservationLevelKey.String("DEBUG")
	// LevelDefault is the level of ordinary observations.
	LevelDefault = ObservationLevelKey.String("DEFAULT")
	// LevelWarning is a problem that did not stop the work.
	LevelWarning = ObservationLevelKey.String("WARNING")
	// LevelError is a failure.
	LevelError = ObservationLevelKey.String("ERROR")
)

// Enum values for agenttrace.checkpoint.type.
var (
	// CheckpointTypeManual is a checkpoint the agent or user asked for.
	CheckpointTypeManual = CheckpointTypeKey.String("manual")
	// CheckpointTypeAuto is a checkpoint taken automatically.
	CheckpointTypeAuto = CheckpointTypeKey.String("auto")
	// CheckpointTypePreEdit is a checkpoint taken before an edit.
	CheckpointTypePreEdit = CheckpointTypeKey.String("pre_edit")
	// CheckpointTypePostEdit is a checkpoint taken after an edit.
	CheckpointTypePostEdit = CheckpointTypeKey.String("post_edit")
	// CheckpointTypeRollback is a checkpoint that restores an earlier one.
	CheckpointTypeRollback = CheckpointTypeKey.String("rollback")
)

// Enum values for agenttrace.file.operation.
var (
	// FileOperationCreate is the creation of a file.
	FileOperationCreate = FileOperationKey.String("create")
	// FileOperationRead is a read of a file.
	FileOperationRead = FileOperationKey.String("read")
	// FileOperationUpdate is a change to an existing file (an "edit").
	FileOperationUpdate = FileOperationKey.String("update")
	// FileOperationDelete is the removal of a file.
	FileOperationDelete = FileOperationKey.String("delete")
	// FileOperationRename is a rename of a file; the new name is in
	// agenttrace.file.new_path.
	FileOperationRename = FileOperationKey.String("rename")
	// FileOperationMove is a move of a file; the destination is in
	// agenttrace.file.new_path.
	FileOperationMove = FileOperationKey.String("move")
	// FileOperationCopy is a copy of a file; the copy is in
	// agenttrace.file.new_path.
	FileOperationCopy = FileOperationKey.String("copy")
)
