"""explorer.text.states: every line about a job's state is worded, never a raw state name."""

from explorer.text import states


def _view(state: str, phase: str = "finished", **more) -> dict:
    return {"state": state, "phase": phase, "step_mode": False, "dec": [], "error": "",
            "message": "", "resume_from": "", **more}


def test_a_short_status_says_the_phase_or_how_the_job_ended_in_words():
    assert states.short_status(_view("running", "kmeans")) == "2/3 k-means in the embedding"
    assert states.short_status(_view("queued", "queued")) == "Waiting in the queue"
    ended = [states.short_status(_view(s)) for s in states.ENDED]
    assert ended == ["finished", "stopped", "failed", "interrupted"]


def test_the_runs_status_column_and_the_sidebar_word_every_state():
    assert states.job_status(_view("queued", "queued"), 2) == "waiting in the queue (position 2)"
    assert states.job_status(_view("running", "dec"), None) == "running: 3/3 DEC self-training"
    assert states.job_status(_view("done"), None) == "finished"
    assert states.job_status(_view("stopped", idle_ended=True), None) == (
        "ended after waiting for Step too long (saved)")
    message = states.interrupted_message({"phase": "pretraining", "epoch": 57, "epochs": 200})
    assert message == "interrupted by a server restart at epoch 57 of 200"
    v = _view("interrupted", message=message, resume_from="the start")
    assert states.job_status(v, None).endswith("Resume on the Train page continues from the start")
    assert states.sidebar_resume_text(message) == (f"Your training was {message}. **Resume** it "
                                                   "on the Train page.")
    assert states.sidebar_text("loading") == "Training: Loading data"


def test_where_resume_continues_follows_the_checkpoint_then_the_cached_autoencoder():
    dec = {"phase": "dec", "update": 12}
    pre = {"phase": "pretrain", "epoch": 5, "epochs": 20}
    assert states.resume_point(dec, autoencoder_cached=True).startswith(
        "the checkpoint at DEC update 12; the batches")
    assert states.resume_point(pre, autoencoder_cached=True).startswith("the pretrained autoencoder")
    assert states.resume_point(pre, autoencoder_cached=False).startswith(
        "the checkpoint at pretraining epoch 5 of 20")
    assert states.resume_point(None, autoencoder_cached=False).startswith("the start: no checkpoint")
    assert states.where({"phase": "kmeans"}) == "k-means" and states.where({}) == "the start"


def test_the_finish_time_says_what_it_counts():
    assert states.duration_text(3.62) == "3.6 s (worker time, from its start to the saved run)"
    assert states.duration_text(3.62, 4.4).endswith("; 4 s in the queue before)")
    assert "queue" not in states.duration_text(3.62, 0.3)


def test_an_interrupted_job_says_what_is_kept_and_what_runs_again():
    text = states.interrupted_text("interrupted by a server restart at epoch 73 of 200",
                                   "the start: no checkpoint was saved before the interruption, "
                                   "so all the work done before it runs again")
    assert text.startswith("This training was interrupted by a server restart at epoch 73")
    assert "Kept: its settings, its data and its link" in text
    assert "all the work done before it runs again" in text and "Nothing is lost" not in text


def test_step_by_step_says_how_its_job_ended_and_why_dec_stopped():
    done = states.step_end_text(_view("done", stop={"kind": "stopped"}), 200)
    stopped = states.step_end_text(_view("stopped", stop={"kind": "stopped"}), 200)
    assert done.startswith("Finished: ") and stopped.startswith("Stopped: ")
    assert done[len("Finished: "):] == stopped[len("Stopped: "):] != ""


def test_a_step_jobs_status_is_worded_in_every_state():
    update = {"update": 3, "iteration": 30}
    waiting = _view("running", "dec", dec=[update], waiting=True)
    assert states.step_status(waiting) == "waiting for Step (update 3)"
    assert states.step_status(_view("running", "dec", dec=[update])) == "training towards update 4"
    assert states.step_status(_view("queued", "queued")) == "Waiting in the queue"
    assert states.step_status(_view("done", dec=[update])) == "finished"


def test_a_stop_that_saved_nothing_is_not_called_saved():
    """Stopped before it started, or ended after Stop's grace: no run, and the words say so."""
    before = _view("stopped", message=states.STOPPED_BEFORE_START, run_path=None)
    assert states.job_status(before, None) == states.STOPPED_BEFORE_START
    assert states.job_status(_view("stopped", run_path="/runs/x"), None) == (
        "stopped by you (saved)")
    grace = states.stop_grace_message(10)
    assert "keeps what it had learned" not in states.stopped_text(3.0, False, grace)
    assert states.stopped_text(3.0, False, grace).endswith(grace + ".")
    assert "keeps what it had learned" in states.stopped_text(3.0, True)
