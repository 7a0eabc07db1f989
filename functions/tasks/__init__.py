"""What the task functions share: who may call them, the doctor's hop, a step's answer."""
