"""``python -m bot.rasa_runtime.server run …``: Rasa's own command line (``rasa run …``), with the
CPU-saving changes below applied first. ``hrbot serve rasa`` starts Rasa this way.

Each change keeps Rasa's behaviour and was measured with the benchmark (bench/, README):

* **Action responses are validated against a schema checked once, not on every call.** For every
  custom action Rasa calls ``jsonschema.validate(response, schema)``, which first validates the
  *schema itself* against JSON Schema's 2020-12 meta-schema (``check_schema``) and then builds a
  validator: ~15% of the Rasa server's CPU under a mixed load (py-spy). The response is still
  validated against the same schema, with the same error on an invalid one.
* **The NLU and dialogue models are called through their traced graph directly.** DIET (once per
  message) and TED (once per predicted action) run a ``tf.function`` with a fixed input signature.
  On every call TensorFlow 2.12 canonicalises the ~50 inputs and matches them against its trace
  cache in Python before running the graph it traced at the first call: ~40% of the time Rasa spends
  in those models. After the first call (traced by Rasa's own code), the same graph is called with
  the same tensors (``ConcreteFunction._call_flat``, what ``tf.function`` itself ends with); inputs
  that do not match the signature take Rasa's path, which raises TensorFlow's error.
* **Deprecation warnings of Rasa's dependencies are not printed** (``HRBOT_SHOW_DEPRECATIONS=1``
  prints them): they fill the start-up output with lines nobody can act on.
* **TED is not run when its prediction cannot be chosen.** Rasa runs every policy for every
  predicted action and then picks the most confident prediction, ties going to the policy of higher
  priority (RulePolicy 6, MemoizationPolicy 3, TEDPolicy 1). When the RulePolicy or the
  MemoizationPolicy has already predicted with confidence 1.0 (or a form's happy path, which
  overrules every other prediction), TED's prediction cannot win: it is at most 1.0 and of lower
  priority. TED then answers "no prediction" (all zeros, what it answers without a model) instead of
  running its transformer — most predictions of this assistant come from rules, and TED was a
  quarter to a third of Rasa's CPU. Not skipped, so TED runs as before: when TED was trained on
  user text (end-to-end predictions overrule the others), after a rejected action (Rasa then zeroes
  that action in every prediction), or when the other policies have not run first for this tracker.
  Rasa's test stories run through this module too (tests/test_rasa_project.py).
"""

from __future__ import annotations

import os
import warnings
from typing import Any


def _validate_action_results_with_one_validator() -> None:
    from jsonschema import exceptions, validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)  # once, at start-up
    validator = cls(schema)
    original = RemoteAction._validate_action_result

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        # What jsonschema.validate does after check_schema; Rasa's message on a failure.
        if exceptions.best_match(validator.iter_errors(result)) is None:
            return True
        return original(self, result)  # raises the same ValidationError as Rasa

    RemoteAction._validate_action_result = _validate_action_result


def _call_traced_models_directly() -> None:
    import tensorflow as tf
    from rasa.utils.tensorflow import models

    original = models.RasaModel._rasa_predict
    traced: dict[int, tuple[Any, list[Any]]] = {}  # id(model) -> (concrete function, input specs)

    def _rasa_predict(self: models.RasaModel, batch_in: Any) -> dict[str, Any]:
        fn = self._tf_predict_step
        if fn is None or self._run_eagerly or not self.prepared_for_prediction:
            return original(self, batch_in)  # the first call traces the graph
        self._training = False
        entry = traced.get(id(self))
        if entry is None:
            concrete = fn.get_concrete_function()
            specs = list(tf.nest.flatten(concrete.structured_input_signature[0]))
            entry = traced[id(self)] = (concrete, specs)
        concrete, specs = entry
        if len(batch_in) != len(specs):
            return original(self, batch_in)
        inputs = []
        for value, spec in zip(batch_in, specs, strict=True):
            tensor = tf.convert_to_tensor(value, dtype_hint=spec.dtype)
            if tensor.dtype != spec.dtype or not spec.shape.is_compatible_with(tensor.shape):
                return original(self, batch_in)
            inputs.append(tensor)
        outputs = models.tf_utils.sync_to_numpy_or_python_type(
            concrete._call_flat(inputs, captured_inputs=concrete.captured_inputs)
        )
        if models.DIAGNOSTIC_DATA in outputs:
            outputs[models.DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(
                outputs[models.DIAGNOSTIC_DATA]
            )
        return outputs

    models.RasaModel._rasa_predict = _rasa_predict


def _skip_ted_when_it_cannot_win() -> None:
    from rasa.core.policies.memoization import MemoizationPolicy
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.core.policies.ted_policy import TEDPolicy
    from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected
    from rasa.shared.nlu.constants import TEXT

    # The predictions made so far for one tracker in its current state: (certain, priority).
    # Rasa predicts synchronously, one tracker at a time; a new tracker or a new event starts over.
    seen: dict[str, Any] = {"tracker": None, "events": -1, "certain": []}

    def recording(original: Any) -> Any:
        def predict_action_probabilities(
            self: Any, tracker: Any, domain: Any, *args: Any, **kwargs: Any
        ) -> Any:
            prediction = original(self, tracker, domain, *args, **kwargs)
            if seen["tracker"] is not tracker or seen["events"] != len(tracker.events):
                seen.update(tracker=tracker, events=len(tracker.events), certain=[])
            if prediction.is_no_user_prediction:
                seen["certain"].append(float("inf"))  # overrules every prediction based on user input
            elif (
                max(prediction.probabilities, default=0.0) >= 1.0 and not prediction.is_end_to_end_prediction
            ):
                seen["certain"].append(prediction.policy_priority)
            return prediction

        return predict_action_probabilities

    RulePolicy.predict_action_probabilities = recording(RulePolicy.predict_action_probabilities)
    MemoizationPolicy.predict_action_probabilities = recording(MemoizationPolicy.predict_action_probabilities)
    original_ted = TEDPolicy.predict_action_probabilities

    def _last_action_rejected(tracker: Any) -> bool:
        for event in reversed(tracker.events):
            if isinstance(event, (ActionExecutionRejected, ActionExecuted)):
                return isinstance(event, ActionExecutionRejected)
        return False

    def ted_predict_action_probabilities(
        self: Any, tracker: Any, domain: Any, *args: Any, **kwargs: Any
    ) -> Any:
        if (
            seen["tracker"] is tracker
            and seen["events"] == len(tracker.events)
            and any(priority > self.priority for priority in seen["certain"])
            and TEXT not in self.fake_features
            and not _last_action_rejected(tracker)
        ):
            return self._prediction(self._default_predictions(domain))
        return original_ted(self, tracker, domain, *args, **kwargs)

    TEDPolicy.predict_action_probabilities = ted_predict_action_probabilities


def _quiet_deprecation_warnings() -> None:
    """Rasa 3.6 and the old libraries it pins warn about their own deprecations at every start
    (aiogram, imported by Rasa's channels, even turns DeprecationWarning back on for everyone, so
    PYTHONWARNINGS cannot keep them off). They concern Rasa's dependencies, not this project, and
    bury the messages that matter; HRBOT_SHOW_DEPRECATIONS=1 shows them again."""
    if os.environ.get("HRBOT_SHOW_DEPRECATIONS", "").lower() in ("1", "true", "yes"):
        return
    show = warnings.showwarning

    def showwarning(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        if not issubclass(category, DeprecationWarning | PendingDeprecationWarning):
            show(message, category, *args, **kwargs)

    warnings.showwarning = showwarning


def apply() -> None:
    _quiet_deprecation_warnings()
    _validate_action_results_with_one_validator()
    _call_traced_models_directly()
    _skip_ted_when_it_cannot_win()


def main() -> None:
    apply()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
