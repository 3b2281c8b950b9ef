// Package deploy holds the deployment recipes (systemd unit, container
// recipe, example configuration); its test checks them without a
// container builder or systemd. It has no code.
package deploy
