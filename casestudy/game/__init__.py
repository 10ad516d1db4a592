"""The system game: tables play the partners of a system over financial years.

A game is a room (``casestudy.room``) with roles and rounds: each round a financial year of
the loaded system computed by the lessons' engine (``casestudy.game.model``), every decision
an event in the room's store, the game's state derived from the events (``play``), bots for
the roles no table takes (``bots``), headless games and the command line
(``python -m casestudy.game``), and the record: CSV, JSON and a one-page HTML debrief
(``export``, ``debrief``).
"""

from .model import CARDS, Decisions, GameSetup, RoundResult, Terms, setup_game
from .play import Game, GameConsole, GameState, Seat, new_game, open_game

__all__ = ["CARDS", "Decisions", "Game", "GameConsole", "GameSetup", "GameState",
           "RoundResult", "Seat", "Terms", "new_game", "open_game", "setup_game"]
