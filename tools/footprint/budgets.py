"""What the stack analysis checks: the budgets, every public entry point and C function, and
the indirect calls it resolves by name. Edit here when the API grows (the analysis fails
while microprop.h and C_API disagree)."""

# Stack budgets: the one place they are stated. Bytes of stack a call may use, counted from
# the caller's stack pointer (the call's own frames and everything below them); the
# storage callbacks of checkpoints are the firmware's and come on top (the probe's use
# memcpy/memset only). docs/real-time.md quotes these.
STACK_BUDGETS = {
    "training": 1024,     # train_step, train_step_target, train_then_predict, accumulate, apply_batch
    "prediction": 768,    # predict, prediction from flash
    "setup": 512,         # initialize, set_input_limit, create, attach, sizes and counters
    "model files": 1536,  # save, load, create_from_model, checkpoints
}

# Every public entry point: (name, the library function it runs (qualified name as the
# compiler writes it), the probe of examples/firmware/stack_probe.cpp that calls it or
# None, budget). The C++ API's member functions are inline wrappers that build a
# network_ref and call the library function; the probes include that wrapper's frame.
ENTRY_POINTS = [
    ("train_step", "microprop::detail::train_step", "probe_train_step", "training"),
    ("train_step_target", "microprop::detail::train_step", "probe_train_step_target", "training"),
    ("train_step_target (tanh/relu/identity)", "microprop::detail::train_step",
     "probe_train_step_target_regression", "training"),
    ("train_then_predict", "microprop::detail::train_then_predict", "probe_train_then_predict", "training"),
    ("accumulate", "microprop::detail::accumulate", "probe_accumulate", "training"),
    ("apply_batch", "microprop::detail::apply_batch", "probe_apply_batch", "training"),
    ("predict", "microprop::detail::predict", "probe_predict", "prediction"),
    ("predict (flash_network)", "microprop::predict", "probe_flash_predict", "prediction"),
    ("initialize", "microprop::detail::initialize", "probe_initialize", "setup"),
    ("set_input_limit", "microprop::detail::set_input_limit", "probe_set_input_limit", "setup"),
    ("Network::create", "microprop::Network::create", "probe_create", "setup"),
    ("Network::attach", "microprop::Network::attach", None, "setup"),
    ("save", "microprop::detail::save_model", "probe_save", "model files"),
    ("load", "microprop::detail::load_model", "probe_load", "model files"),
    ("Network::create_from_model", "microprop::Network::create_from_model", "probe_create_from_model",
     "model files"),
    ("save_checkpoint", "microprop::detail::save_checkpoint", "probe_save_checkpoint", "model files"),
    ("restore_checkpoint", "microprop::detail::restore_checkpoint", "probe_restore_checkpoint", "model files"),
    ("read_model_shape", "microprop::read_model_shape", None, "model files"),
    ("model_size", "microprop::detail::model_size", None, "setup"),
    ("set_layer", "microprop::detail::set_layer", None, "setup"),
    ("set_trainable", "microprop::detail::set_trainable", None, "setup"),
    ("get_layer", "microprop::detail::get_layer", None, "setup"),
]
# The C API (microprop.h): every function it declares must be listed here.
C_API = {
    "mp_train_step": "training", "mp_train_step_target": "training", "mp_train_then_predict": "training",
    "mp_predict": "prediction", "mp_predict_flash": "prediction",
    "mp_create": "setup", "mp_attach": "setup", "mp_set_input_limit": "setup", "mp_required_size": "setup",
    "mp_set_trainable": "setup",
    "mp_backbone_scratch_floats": "setup", "mp_backbone_predict": "prediction",
    "mp_backbone_train_step": "training", "mp_backbone_train_step_target": "training",
    "mp_schedule_constant": "setup", "mp_schedule_step_decay": "setup", "mp_schedule_exponential": "setup",
    "mp_schedule_inverse_time": "setup", "mp_schedule_cosine_restarts": "setup", "mp_schedule_is_valid": "setup",
    "mp_learning_rate": "setup",
    "mp_save": "model files", "mp_load": "model files", "mp_create_from_model": "model files",
    "mp_model_required_size": "model files",
    "mp_alignment": "setup", "mp_row_floats": "setup", "mp_status_message": "setup",
    "mp_input_size": "setup", "mp_output_size": "setup", "mp_steps": "setup", "mp_output": "setup",
    "mp_model_size": "setup", "mp_flash_scratch_floats": "setup",
    "mp_train_then_predict_target": "training", "mp_accumulate": "training", "mp_accumulate_target": "training",
    "mp_apply_batch": "training",
    "mp_batch_count": "setup", "mp_layer_count": "setup", "mp_layer_shape": "setup", "mp_set_layer": "setup",
    "mp_get_layer": "setup", "mp_required_size_minibatch": "setup", "mp_create_minibatch": "setup",
    "mp_checkpoint_slot_bytes": "setup",
    "mp_save_checkpoint": "model files", "mp_restore_checkpoint": "model files",
    "mp_create_from_model_minibatch": "model files", "mp_model_required_size_minibatch": "model files",
}
C_API_PROBES = {"mp_learning_rate", "mp_create", "mp_set_input_limit", "mp_train_step", "mp_train_step_target", "mp_predict",
                "mp_train_then_predict", "mp_save", "mp_load", "mp_create_from_model", "mp_predict_flash"}

# Indirect calls the library makes besides the kernel table's: (source file, the field it
# calls) -> the functions that field can hold. "storage callback" is the firmware's own
# checkpoint storage (the probe's probe_storage_* functions, or nothing for the library's
# own bound).
CALLBACK_FIELDS = {
    ("model_file.cpp", "read"): ["read_slot"],                      # model_source::read
    ("model_file.cpp", "write"): ["write_to_memory", "write_slot"],  # model_sink::write
    ("checkpoint.cpp", "read"): ["storage callback"],
    ("checkpoint.cpp", "write"): ["storage callback"],
    ("checkpoint.cpp", "erase"): ["storage callback"],
}
PROBE_STORAGE_CALLBACKS = ["probe_storage_read", "probe_storage_write", "probe_storage_erase"]
