//! Training: the environment, the Q-learning agent, the model estimate and the random
//! stream of one run, stepped one transition at a time. Not here: diagnostics of the
//! learning (`diagnostics`) or evaluation of policies (`rollout`).

use crate::learn::{LearnConfig, Model, QLearner};
use crate::mdp::{Scenario, StepInfo};
use crate::rng::SimRng;

/// The end of an episode, as the diagnostics need it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpisodeEnd {
    /// Undiscounted return of the episode.
    pub ret: f64,
    /// Largest |ΔQ| of any update in the episode.
    pub max_dq: f64,
}

/// The learning half of a run.
#[derive(Debug, Clone)]
pub struct Trainer {
    pub(super) env: Box<dyn Scenario>,
    pub(super) agent: QLearner,
    pub(super) model: Model,
    pub(super) rng: SimRng,
    learn: LearnConfig,
    pub(super) episode_len: u32,
    pub(super) episode: u32,
    pub(super) step: u32,
    pub(super) total_steps: u64,
    pub(super) epsilon: f64,
    ep_return: f64,
    ep_max_dq: f64,
    /// The current episode so far (step 0 is the start state).
    pub(super) trajectory: Vec<StepInfo>,
    /// The last complete episode.
    pub(super) last_trajectory: Vec<StepInfo>,
    /// Whether the current episode's rows are kept in `trajectory`. Off only for an episode
    /// that the running `Session::advance` call will finish and follow by one more finished
    /// episode, so that nobody can see it (`shown_trajectory` shows the current or the last
    /// episode, and is read between calls); on for every episode alive between two calls.
    pub(super) recording: bool,
}

impl Trainer {
    pub fn new(env: Box<dyn Scenario>, learn: LearnConfig, episode_len: u32, seed: u64) -> Self {
        let (ns, na) = (env.n_states(), env.n_actions());
        let len = episode_len as usize + 1;
        let mut t = Self {
            agent: QLearner::new(ns, na, &learn),
            model: Model::new(ns, na),
            rng: SimRng::new(seed),
            epsilon: learn.epsilon_at(0),
            env,
            learn,
            episode_len,
            episode: 0,
            step: 0,
            total_steps: 0,
            ep_return: 0.0,
            ep_max_dq: 0.0,
            trajectory: Vec::with_capacity(len),
            last_trajectory: Vec::with_capacity(len),
            recording: true,
        };
        t.start_episode(0);
        t
    }

    /// Starts an episode; `steps_after` is how many more steps the running `advance` call
    /// takes after the one that ended the last episode.
    fn start_episode(&mut self, steps_after: u64) {
        self.env.reset(&mut self.rng);
        self.step = 0;
        self.ep_return = 0.0;
        self.ep_max_dq = 0.0;
        self.trajectory.clear();
        // With ≥ 2T steps to go, this episode and the next one both end inside the call:
        // the rows of this one would be overwritten unseen, so they are not written (the
        // 160-byte row copy is a tenth of a paper step).
        self.recording = steps_after < 2 * u64::from(self.episode_len);
        if self.recording {
            self.trajectory.push(self.env.row());
        }
    }

    /// One transition: act ε-greedily, learn, record the model; at the episode's end,
    /// starts the next one and returns what the diagnostics need. `steps_after` is how many
    /// more steps the caller takes after this one without looking at the trajectory in
    /// between (0 when it may look right after this step).
    #[inline]
    pub fn step(&mut self, steps_after: u64) -> Option<EpisodeEnd> {
        let out = self
            .agent
            .train_step(&mut *self.env, self.epsilon, &mut self.rng);
        self.model.record(
            out.state,
            out.action,
            out.reward,
            out.next_state,
            out.next_mask,
        );
        self.ep_return += out.reward;
        // Not `f64::max`: wasm32 has no instruction with its NaN rule and calls `fmax` each
        // step. The same value (a NaN |ΔQ| is skipped by both; the running max starts at 0).
        if out.delta_q > self.ep_max_dq {
            self.ep_max_dq = out.delta_q;
        }
        if self.recording {
            self.trajectory.push(StepInfo {
                state: out.next_state as u32,
                ..*self.env.last()
            });
        }
        self.step += 1;
        self.total_steps += 1;
        if self.step < self.episode_len {
            return None;
        }
        let end = EpisodeEnd {
            ret: self.ep_return,
            max_dq: self.ep_max_dq,
        };
        self.episode += 1;
        self.epsilon = self.learn.epsilon_at(self.episode);
        std::mem::swap(&mut self.trajectory, &mut self.last_trajectory);
        self.start_episode(steps_after);
        Some(end)
    }

    /// Steps left in the current episode.
    pub fn steps_left(&self) -> u32 {
        self.episode_len - self.step
    }

    /// The current episode's trajectory, or the last one right after an episode ends.
    pub fn shown_trajectory(&self) -> &[StepInfo] {
        if self.trajectory.len() > 1 || self.last_trajectory.is_empty() {
            &self.trajectory
        } else {
            &self.last_trajectory
        }
    }
}
