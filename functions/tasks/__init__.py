"""What the task functions share: who may call them, the doctor's hop, the task read, a step's answer."""
