"""The system game (in progress)."""

from .model import CARDS, Decisions, GameSetup, RoundResult, Terms, setup_game
from .play import Game, GameConsole, GameState, Seat, new_game, open_game
