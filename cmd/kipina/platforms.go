package main

import (
	"log/slog"

	"github.com/kipina/kipina/bot"
	"github.com/kipina/kipina/bot/call"
	"github.com/kipina/kipina/bot/chat"
	"github.com/kipina/kipina/bot/day"
	"github.com/kipina/kipina/bot/export"
	"github.com/kipina/kipina/bot/followup"
	"github.com/kipina/kipina/bot/jury"
	"github.com/kipina/kipina/bot/privacy"
	"github.com/kipina/kipina/bot/routing"
	"github.com/kipina/kipina/configs"
	"github.com/kipina/kipina/storage"
)

// modules are the flows the bot runs.
func modules(cfg *configs.Config) []bot.Module {
	return []bot.Module{call.Module{}, routing.Module{}, jury.Module{}, day.Module{}, followup.Module{}, export.Module{}, privacy.Module{}}
}

func newBot(cfg *configs.Config, db *storage.DB, clock bot.Clock, log *slog.Logger, platforms []chat.Platform, dir string) (*bot.Bot, error) {
	return bot.New(bot.Options{Config: cfg, DB: db, Clock: clock, Log: log, Platforms: platforms, DataDir: dir}, modules(cfg)...)
}
